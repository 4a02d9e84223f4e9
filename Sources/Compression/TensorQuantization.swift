/// How an activation tensor is stored as integers: real = scale · (q − zeroPoint), with q in the
/// range of a signed `bits`-bit integer.
///
/// int8 is asymmetric (TFLite's `ChooseQuantizationParams`, see `AffineQuantization`); int16 is
/// symmetric with zero point 0 and codes ±32767 (TFLite's 16x8 scheme); int32 (sums and states
/// only) is symmetric too.
public struct TensorQuantization: Sendable, Codable, Equatable {
    public var scale: Float
    public var zeroPoint: Int32
    public var bits: Int

    public init(scale: Float, zeroPoint: Int32, bits: Int) {
        precondition(scale > 0 && scale.isFinite, "scale must be finite and > 0")
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.bits = bits
    }

    /// The quantization of an observed range [min, max] at `bits` (8: asymmetric; 16/32: symmetric).
    public init(min: Float, max: Float, bits: Int) {
        if bits == 8 {
            let affine = AffineQuantization(min: min, max: max)
            self.init(scale: affine.scale, zeroPoint: affine.zeroPoint, bits: 8)
        } else {
            let largest = Swift.max(abs(min), abs(max))
            let qmax = Float((Int64(1) << (bits - 1)) - 1)
            self.init(scale: largest > 0 ? largest / qmax : 1, zeroPoint: 0, bits: bits)
        }
    }

    public var qmin: Int32 { bits == 8 ? -128 : -Int32(truncatingIfNeeded: (Int64(1) << (bits - 1)) - 1) }
    public var qmax: Int32 { Int32(truncatingIfNeeded: (Int64(1) << (bits - 1)) - 1) }
    public var bytesPerElement: Int { bits / 8 }

    /// q = clamp(round(x / scale) + zeroPoint), ties away from zero (TFLite's reference `Quantize`).
    public func quantize(_ x: Float) -> Int32 { quantize(Double(x)) }

    /// As `quantize(_: Float)` for a value computed in Double (table entries), without a detour
    /// through Float that could move it across a rounding boundary.
    public func quantize(_ x: Double) -> Int32 {
        let rounded = (x / Double(scale)).rounded(.toNearestOrAwayFromZero)
        let bounded = Swift.min(Swift.max(rounded + Double(zeroPoint), Double(qmin)), Double(qmax))
        return Int32(bounded)
    }

    public func dequantize(_ q: Int32) -> Float { scale * Float(q - zeroPoint) }
}
