import TinyNN
import TinyTensor

/// The study's LSTM baseline (MODELS.md): LSTM(F → hidden 8) over the T steps, the last hidden
/// state → Linear(C).
public final class LSTMClassifier: ClassifierModel {
    public struct Config: Codable, Sendable, Equatable {
        public var hidden: Int = 8
        public init(hidden: Int = 8) { self.hidden = hidden }
    }

    public let kind = ModelKind.lstm
    public let shape: ModelShape
    public let config: Config
    public let lstm: LSTM
    public let lastStep: LastStepPool
    public let head: Linear

    public init(shape: ModelShape, config: Config = .init(), seed: UInt64) {
        self.shape = shape
        self.config = config
        var rng = SeededRNG(seed: seed)
        lstm = LSTM(name: "lstm", inFeatures: shape.features, hidden: config.hidden, rng: &rng)
        lastStep = LastStepPool(width: config.hidden)
        head = Linear(name: "head", inFeatures: config.hidden, outFeatures: shape.classes, rng: &rng)
    }

    public var parameters: [Parameter] { lstm.parameters + head.parameters }

    public func zeroInputWeights(reading features: [Int]) { lstm.inputWeight.zeroRows(features) }

    public func forward(_ x: Tensor, rows batch: Int, training: Bool) -> Tensor {
        let h = lstm.forward(x, batch: batch, steps: shape.steps)
        return head.forward(lastStep.forward(h, batch: batch, steps: shape.steps), rows: batch)
    }

    public func backward(_ dlogits: Tensor, rows batch: Int) {
        let dh = lastStep.backward(head.backward(dlogits, rows: batch), batch: batch, steps: shape.steps)
        _ = lstm.backward(dh, batch: batch, steps: shape.steps)
    }

    public func reseed(epoch: Int) {}
}
