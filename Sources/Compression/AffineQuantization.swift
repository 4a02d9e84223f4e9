/// Asymmetric per-tensor int8 quantization of an activation: real = scale · (q − zeroPoint),
/// q ∈ −128…127.
///
/// From a calibrated range [min, max] (TFLite's `ChooseQuantizationParams`):
/// the range is first widened to include 0 (so 0 — padding, ReLU's floor — is exact);
/// scale = (max − min) / 255; the zero point is whichever of −128 − min/scale and 127 − max/scale
/// has the smaller error |q_bound| + |bound/scale|, then rounded (ties away from zero) and clamped
/// to −128…127. A degenerate range (max = min = 0) gets scale 1 and zero point 0 (TFLite's
/// runtime quantizers' choice), where every value is 0 anyway.
public struct AffineQuantization: Sendable, Codable, Equatable {
    public static let qmin: Int32 = -128
    public static let qmax: Int32 = 127

    public var scale: Float
    public var zeroPoint: Int32

    public init(scale: Float, zeroPoint: Int32) {
        precondition(scale > 0 && scale.isFinite, "scale must be finite and > 0")
        precondition((Self.qmin...Self.qmax).contains(zeroPoint), "zero point outside int8")
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    public init(min observedMin: Float, max observedMax: Float) {
        precondition(observedMin.isFinite && observedMax.isFinite && observedMin <= observedMax, "bad range")
        let rmin = Double(Swift.min(observedMin, 0))
        let rmax = Double(Swift.max(observedMax, 0))
        let qmin = Double(Self.qmin), qmax = Double(Self.qmax)
        guard rmax > rmin else {
            self.init(scale: 1, zeroPoint: 0)
            return
        }
        let scale = (rmax - rmin) / (qmax - qmin)
        let fromMin = qmin - rmin / scale
        let fromMax = qmax - rmax / scale
        let errorFromMin = abs(qmin) + abs(rmin / scale)
        let errorFromMax = abs(qmax) + abs(rmax / scale)
        let zero = errorFromMin < errorFromMax ? fromMin : fromMax
        let nudged = Swift.min(Swift.max(zero.rounded(.toNearestOrAwayFromZero), qmin), qmax)
        self.init(scale: Float(scale), zeroPoint: Int32(nudged))
    }

    /// q = clamp(round(x / scale) + zeroPoint, −128, 127); the division is in Float and the
    /// rounding ties away from zero, as TFLite's reference `Quantize` (`roundf`) does.
    public func quantize(_ x: Float) -> Int8 {
        let rounded = (x / scale).rounded(.toNearestOrAwayFromZero)
        // Clamp in Float first so that huge inputs cannot overflow the Int32 conversion.
        let bounded = Swift.min(Swift.max(rounded, -256), 256)
        let q = Int32(bounded) + zeroPoint
        return Int8(Swift.min(Swift.max(q, Self.qmin), Self.qmax))
    }

    /// x = scale · (q − zeroPoint).
    public func dequantize(_ q: Int8) -> Float { scale * Float(Int32(q) - zeroPoint) }
}
