/// The trained parameters of one fully connected layer, as handed to compression and export.
///
/// y[o] = activation(bias[o] + Σ_i x[i] · weight[i * outFeatures + o]); the weight is stored
/// input-major ([inFeatures][outFeatures]), the layout the float engine's GEMM uses.
public struct DenseLayerParameters: Sendable, Codable, Equatable {
    public enum Activation: String, Sendable, Codable { case none, relu }

    public var name: String
    public var inFeatures: Int
    public var outFeatures: Int
    public var weight: [Float]
    public var bias: [Float]
    public var activation: Activation

    public init(name: String, inFeatures: Int, outFeatures: Int, weight: [Float], bias: [Float], activation: Activation) {
        precondition(weight.count == inFeatures * outFeatures && bias.count == outFeatures)
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
        self.activation = activation
    }

    /// Float reference forward of one layer over `batch` rows of `inFeatures`.
    public func forward(_ x: [Float], batch: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * outFeatures)
        for b in 0..<batch {
            for o in 0..<outFeatures {
                var sum = bias[o]
                for i in 0..<inFeatures { sum += x[b * inFeatures + i] * weight[i * outFeatures + o] }
                y[b * outFeatures + o] = activation == .relu ? Swift.max(sum, 0) : sum
            }
        }
        return y
    }
}
