/// Symmetric per-output-channel integer weights (TFLite's int8 weight convention):
/// w ≈ scale[c] · q, zero point 0, q ∈ −(2^(bits−1) − 1)…2^(bits−1) − 1 (the most negative code is
/// never used, so the range is symmetric).
///
/// scale[c] = max_i |w[i][c]| / qmax (1 for an all-zero channel, which then quantizes to 0);
/// q[c][i] = clamp(round(w[i][c] / scale[c]), −qmax, qmax), ties away from zero.
///
/// The float weight is input-major ([in][out], as `Linear` stores it; a depthwise kernel [k][C]
/// is the same layout with k as "in"). `values` is output-major ([out][in], TFLite's
/// FULLY_CONNECTED filter layout) so the integer dot product for one output walks contiguous memory.
public struct SymmetricPerChannelWeights: Sendable, Codable, Equatable {
    public var inFeatures: Int
    public var outFeatures: Int
    public var bits: Int
    /// One scale shared by every channel (stored once, with one multiplier).
    public var perTensor: Bool
    public var values: [Int32]
    public var scales: [Float]

    public var qmax: Int32 { (1 << Int32(bits - 1)) - 1 }
    /// Bytes in flash: int4 values packed two per byte.
    public var storedBytes: Int { (values.count * bits + 7) / 8 }
    /// Q31 multipliers and shifts (8 B each) in flash: one per channel, or one for a per-tensor scale.
    public var multiplierBytes: Int { (perTensor ? 1 : outFeatures) * 8 }

    /// `perTensor`: one scale for every channel (the largest |w| of the whole weight), as the
    /// precision plan's per-tensor granularity asks; the arrays keep one entry per channel.
    public init(weight: [Float], inFeatures: Int, outFeatures: Int, bits: Int = 8, perTensor: Bool = false) {
        precondition(weight.count == inFeatures * outFeatures, "weight is not \(inFeatures)×\(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.bits = bits
        self.perTensor = perTensor
        let qmax = Float((1 << (bits - 1)) - 1)
        var channelMax = (0..<outFeatures).map { c in
            var largest: Float = 0
            for i in 0..<inFeatures { largest = max(largest, abs(weight[i * outFeatures + c])) }
            return largest
        }
        if perTensor { channelMax = [Float](repeating: channelMax.max() ?? 0, count: outFeatures) }
        scales = channelMax.map { $0 > 0 ? $0 / qmax : 1 }
        var values = [Int32](repeating: 0, count: inFeatures * outFeatures)
        for c in 0..<outFeatures {
            for i in 0..<inFeatures {
                let q = (weight[i * outFeatures + c] / scales[c]).rounded(.toNearestOrAwayFromZero)
                values[c * inFeatures + i] = Int32(min(max(q, -qmax), qmax))
            }
        }
        self.values = values
    }

    /// scale[c] · q[c][i], laid out input-major like the float weight.
    public func dequantized() -> [Float] {
        var w = [Float](repeating: 0, count: inFeatures * outFeatures)
        for c in 0..<outFeatures {
            for i in 0..<inFeatures { w[i * outFeatures + c] = scales[c] * Float(values[c * inFeatures + i]) }
        }
        return w
    }
}
