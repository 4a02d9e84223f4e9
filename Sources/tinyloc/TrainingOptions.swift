import ArgumentParser
import Models

/// The training recipe options `run` and `cv` share; each one not given keeps `TrainingConfig`'s default.
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Adam's learning rate (default 0.001).")
    var learningRate: Float?

    @Option(parsing: .unconditional, help: "Batch size (default 64).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation macro-F1 (default 10); --keep-weights says which epoch's weights training ends with.")
    var patience: Int?

    @Option(parsing: .unconditional, help: "Decoupled (AdamW) weight decay λ: every step also does θ ← θ·(1 − learning rate·λ) (default 0).")
    var weightDecay: Float?

    @Option(help: "Which weights training ends with: best (the best epoch on validation macro-F1, default) or last (the last epoch trained, patience epochs past the best).")
    var keepWeights: String?

    @Flag(inversion: .prefixedNo, help: "Weight the loss by inverse room frequency (default on: it scored higher than plain cross-entropy leave-one-recording-out on SPHERE, docs/RESULTS.md); --no-balance-classes: plain cross-entropy, and a decoder then divides the posteriors by the training room frequencies.")
    var balanceClasses: Bool?

    func validate() throws {
        if let learningRate, !(learningRate > 0 && learningRate <= 10) {
            throw ValidationError("--learning-rate must be in (0, 10], got \(learningRate)")
        }
        if let batchSize, !(1...4096).contains(batchSize) { throw ValidationError("--batch-size must be in 1…4096, got \(batchSize)") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, got \(patience)") }
        if let weightDecay, !(0...10).contains(weightDecay) {
            throw ValidationError("--weight-decay must be in [0, 10], got \(weightDecay)")
        }
        _ = try keptWeights
    }

    var keptWeights: TrainingConfig.KeptWeights? {
        get throws {
            guard let keepWeights else { return nil }
            guard let kept = TrainingConfig.KeptWeights(rawValue: keepWeights) else {
                throw ValidationError("--keep-weights must be best or last, got '\(keepWeights)'")
            }
            return kept
        }
    }

    func apply(to training: inout TrainingConfig) throws {
        if let kept = try keptWeights { training.keptWeights = kept }
        if let learningRate { training.learningRate = learningRate }
        if let batchSize { training.batchSize = batchSize }
        if let patience { training.patience = patience }
        if let weightDecay { training.weightDecay = weightDecay }
        if let balanceClasses { training.balanceClasses = balanceClasses }
    }
}
