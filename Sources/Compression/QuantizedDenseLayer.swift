import Models

/// The int8 form of one dense layer, produced from `DenseLayerParameters` by conversion.
///
/// For each output c (TFLite's per-channel FULLY_CONNECTED):
///
///     acc   = bias[c] + Σ_i q_w[c][i] · (q_x[i] − z_x)                    (Int32)
///     y     = multiply(acc, M[c]) + z_y        M[c] = s_x · s_w[c] / s_y   (Q31 + shift)
///     q_y   = clamp(y, activationMin, activationMax)
///
/// with bias[c] = round(b[c] / (s_x · s_w[c])) in Int32 and activationMin = max(−128, z_y) for
/// ReLU (real 0 is exactly z_y, so the clamp *is* the ReLU), −128 otherwise; activationMax = 127.
public struct QuantizedDenseLayer: Sendable, Codable, Equatable {
    public var name: String
    public var weights: SymmetricPerChannelWeights
    /// Int32 bias with per-channel scale s_x · s_w[c] and zero point 0.
    public var bias: [Int32]
    public var input: AffineQuantization
    public var output: AffineQuantization
    public var multipliers: [QuantizedMultiplier]
    public var activation: DenseLayerParameters.Activation
    public var activationMin: Int32
    public var activationMax: Int32

    public var inFeatures: Int { weights.inFeatures }
    public var outFeatures: Int { weights.outFeatures }

    /// Converts a float layer given the quantization of its input and of its (post-activation)
    /// output. The effective multiplier is formed in Double from the Float scales, as TFLite
    /// Micro does at kernel preparation, so the exported integers depend only on stored values.
    public init(converting layer: DenseLayerParameters, input: AffineQuantization, output: AffineQuantization) {
        name = layer.name
        weights = SymmetricPerChannelWeights(layer)
        self.input = input
        self.output = output
        activation = layer.activation
        let inputScale = Double(input.scale), outputScale = Double(output.scale)
        let weightScales = weights.scales
        bias = (0..<layer.outFeatures).map { c in
            let q = (Double(layer.bias[c]) / (inputScale * Double(weightScales[c]))).rounded(.toNearestOrAwayFromZero)
            // Saturate rather than trap: only a pathological scale makes a bias leave Int32.
            return Int32(min(max(q, Double(Int32.min)), Double(Int32.max)))
        }
        multipliers = weightScales.map { QuantizedMultiplier(inputScale * Double($0) / outputScale) }
        activationMin = layer.activation == .relu ? max(AffineQuantization.qmin, output.zeroPoint) : AffineQuantization.qmin
        activationMax = AffineQuantization.qmax
    }

    /// Integer-only forward over `batch` rows of `inFeatures` int8 values; no Float is touched.
    public func forward(_ x: [Int8], batch: Int) -> [Int8] {
        precondition(x.count == batch * inFeatures, "input is not batch × inFeatures")
        let n = inFeatures, m = outFeatures
        var y = [Int8](repeating: 0, count: batch * m)
        weights.values.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { x in
                for b in 0..<batch {
                    for c in 0..<m {
                        var acc: Int32 = 0
                        for i in 0..<n { acc += Int32(w[c * n + i]) * (Int32(x[b * n + i]) - input.zeroPoint) }
                        acc += bias[c]
                        let scaled = FixedPoint.multiply(acc, by: multipliers[c]) + output.zeroPoint
                        y[b * m + c] = Int8(min(max(scaled, activationMin), activationMax))
                    }
                }
            }
        }
        return y
    }
}
