import Models

/// Symmetric per-output-channel int8 weights of a dense layer (TFLite's int8 weight convention):
/// w ≈ scale[c] · q, zero point 0, q ∈ −127…127 (−128 is never used, so the range is symmetric).
///
/// scale[c] = max_i |w[i][c]| / 127 (1 for an all-zero channel, which then quantizes to 0);
/// q[c][i] = clamp(round(w[i][c] / scale[c]), −127, 127), ties away from zero.
///
/// `values` is output-major ([outFeatures][inFeatures], TFLite's FULLY_CONNECTED filter layout)
/// so the integer dot product for one output walks contiguous memory; the float parameters are
/// input-major, hence the transpose.
public struct SymmetricPerChannelWeights: Sendable, Codable, Equatable {
    public var inFeatures: Int
    public var outFeatures: Int
    public var values: [Int8]
    public var scales: [Float]

    public init(_ layer: DenseLayerParameters) {
        inFeatures = layer.inFeatures
        outFeatures = layer.outFeatures
        scales = (0..<layer.outFeatures).map { c in
            var largest: Float = 0
            for i in 0..<layer.inFeatures { largest = max(largest, abs(layer.weight[i * layer.outFeatures + c])) }
            return largest > 0 ? largest / 127 : 1
        }
        var values = [Int8](repeating: 0, count: layer.inFeatures * layer.outFeatures)
        for c in 0..<layer.outFeatures {
            for i in 0..<layer.inFeatures {
                let q = (layer.weight[i * layer.outFeatures + c] / scales[c]).rounded(.toNearestOrAwayFromZero)
                values[c * layer.inFeatures + i] = Int8(min(max(q, -127), 127))
            }
        }
        self.values = values
    }

    /// scale[c] · q[c][i], laid out input-major like `DenseLayerParameters.weight`.
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: inFeatures * outFeatures)
        for c in 0..<outFeatures {
            for i in 0..<inFeatures { w[i * outFeatures + c] = scales[c] * Float(values[c * inFeatures + i]) }
        }
        return w
    }
}
