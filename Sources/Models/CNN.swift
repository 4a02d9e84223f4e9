import TinyNN
import TinyTensor

/// The study's CNN baseline (MODELS.md): per stage, Conv1d kernel 1 over time → ReLU →
/// MaxPool 2 (flooring, as Keras), filters 32, 64, 128; then flatten [B, T'·128] → Linear(C).
/// With T = 20 the steps go 20 → 10 → 5 → 2.
public final class CNN: ClassifierModel {
    public struct Config: Codable, Sendable, Equatable {
        public var filters: [Int] = [32, 64, 128]
        public var pool: Int = 2
        public init(filters: [Int] = [32, 64, 128], pool: Int = 2) {
            self.filters = filters
            self.pool = pool
        }
    }

    public let kind = ModelKind.cnn
    public let shape: ModelShape
    public let config: Config
    public let stages: [(conv: Conv1d, relu: ReLU, pool: MaxPoolOverTime)]
    public let head: Linear
    /// Steps entering each stage, and after the last one.
    public let stageSteps: [Int]

    public init(shape: ModelShape, config: Config = .init(), seed: UInt64) {
        self.shape = shape
        self.config = config
        var rng = SeededRNG(seed: seed)
        var channels = shape.features, steps = [shape.steps]
        var built: [(conv: Conv1d, relu: ReLU, pool: MaxPoolOverTime)] = []
        for (i, filters) in config.filters.enumerated() {
            built.append((Conv1d(name: "conv\(i + 1)", inChannels: channels, outChannels: filters, kernel: 1, padding: 0, rng: &rng),
                          ReLU(width: filters), MaxPoolOverTime(channels: filters, size: config.pool)))
            channels = filters
            steps.append(steps.last! / config.pool)
        }
        precondition(steps.last! > 0, "window of \(shape.steps) steps is too short for \(config.filters.count) pools of \(config.pool)")
        stages = built
        stageSteps = steps
        head = Linear(name: "head", inFeatures: steps.last! * channels, outFeatures: shape.classes, rng: &rng)
    }

    public var parameters: [Parameter] { stages.flatMap(\.conv.parameters) + head.parameters }

    public func zeroInputWeights(reading features: [Int]) {
        let first = stages[0].conv
        first.weight.zeroRows((0..<first.kernel).flatMap { j in features.map { j * shape.features + $0 } })
    }

    public func forward(_ x: Tensor, rows batch: Int, training: Bool) -> Tensor {
        var h = x
        for (i, stage) in stages.enumerated() {
            let steps = stageSteps[i]
            h = stage.pool.forward(stage.relu.forward(stage.conv.forward(h, batch: batch, steps: steps), rows: batch * steps),
                                   batch: batch, steps: steps)
        }
        // [B, T', C] row-major already is the flattened [B, T'·C].
        return head.forward(h, rows: batch)
    }

    public func backward(_ dlogits: Tensor, rows batch: Int) {
        var dh = head.backward(dlogits, rows: batch)
        for (i, stage) in stages.enumerated().reversed() {
            let steps = stageSteps[i]
            dh = stage.conv.backward(stage.relu.backward(stage.pool.backward(dh, batch: batch, steps: steps), rows: batch * steps),
                                     batch: batch, steps: steps)
        }
    }

    public func reseed(epoch: Int) {}
}
