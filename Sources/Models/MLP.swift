import TinyNN
import TinyTensor

/// The study's MLP baseline: flatten(T·F) → Linear(hidden) → ReLU → [dropout] → Linear(C).
/// MODELS.md fixes hidden = 64; dropout defaults to off so the network is exactly the spec.
public final class MLP: ClassifierModel {
    public struct Config: Codable, Sendable, Equatable {
        public var hidden: Int = 64
        public var dropout: Float = 0
        public init(hidden: Int = 64, dropout: Float = 0) {
            self.hidden = hidden
            self.dropout = dropout
        }
    }

    public let kind = ModelKind.mlp
    public let shape: ModelShape
    public let config: Config
    public let fc1: Linear
    public let relu: ReLU
    public let dropout: Dropout
    public let fc2: Linear
    private let seed: UInt64

    public init(shape: ModelShape, config: Config = .init(), seed: UInt64) {
        self.shape = shape
        self.config = config
        self.seed = seed
        var rng = SeededRNG(seed: seed)
        let flat = shape.steps * shape.features
        fc1 = Linear(name: "fc1", inFeatures: flat, outFeatures: config.hidden, rng: &rng)
        relu = ReLU(width: config.hidden)
        dropout = Dropout(width: config.hidden, probability: config.dropout, rng: rng.split(1))
        fc2 = Linear(name: "fc2", inFeatures: config.hidden, outFeatures: shape.classes, rng: &rng)
    }

    public var parameters: [Parameter] { fc1.parameters + fc2.parameters }

    public func zeroInputWeights(reading features: [Int]) {
        fc1.weight.zeroRows((0..<shape.steps).flatMap { t in features.map { t * shape.features + $0 } })
    }

    public func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor {
        // x is [rows, T, F] in row-major order, which already is the flattened [rows, T·F].
        let h = relu.forward(fc1.forward(x, rows: rows), rows: rows)
        return fc2.forward(dropout.forward(h, rows: rows, training: training), rows: rows)
    }

    public func backward(_ dlogits: Tensor, rows: Int) {
        let dh = dropout.backward(fc2.backward(dlogits, rows: rows), rows: rows)
        _ = fc1.backward(relu.backward(dh, rows: rows), rows: rows)
    }

    public func reseed(epoch: Int) {
        dropout.rng = SeededRNG(seed: seed).split(UInt64(1_000 + epoch))
    }
}
