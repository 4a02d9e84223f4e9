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

    @Option(name: .customLong("rssi-noise"), parsing: .unconditional,
            help: "Add Gaussian noise of this standard deviation in dB to each heard RSSI reading of the training windows (default 0: off); silent receivers, heard-rates, validation and test are left as they are. Not with --across-windows.")
    var rssiNoiseDB: Float?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "mamba / mamba-wide: keep the state across the consecutive windows of a recording, trained on segments with a loss at the end of each of their last N windows (truncated back-propagation through time); scored with each recording streamed whole, never reset, as the chip runs it.",
        discussion: "Sets the Mamba's pooling to last (its output at each window's end). Each segment begins with --burn-in windows' hops without loss, so the state is warm where the loss starts."))
    var acrossWindows: Int?

    @Option(parsing: .unconditional, help: "With --across-windows: hops of warm-up (no loss) at the start of every training segment (default 64: longer scored higher on SPHERE, docs/RESULTS.md).")
    var burnIn: Int?

    func validate() throws {
        if burnIn != nil && acrossWindows == nil { throw ValidationError("--burn-in belongs to --across-windows") }
        if let rssiNoiseDB {
            guard (0...60).contains(rssiNoiseDB) else { throw ValidationError("--rssi-noise must be in 0…60 dB, got \(rssiNoiseDB)") }
            if rssiNoiseDB > 0 && acrossWindows != nil {
                throw ValidationError("--rssi-noise is not applied by the across-window trainer; drop it or --across-windows")
            }
        }
        if let across = acrossWindowsConfig {
            let limits = AcrossWindowsConfig.limits
            for (name, value) in [("--across-windows", across.windowsPerSegment), ("--burn-in", across.burnInWindows)] where !limits.contains(value) {
                throw ValidationError("\(name) must be in \(limits.lowerBound)…\(limits.upperBound), got \(value)")
            }
        }
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

    /// The across-window recipe asked for, nil without --across-windows.
    var acrossWindowsConfig: AcrossWindowsConfig? {
        acrossWindows.map { AcrossWindowsConfig(windowsPerSegment: $0, burnInWindows: burnIn ?? AcrossWindowsConfig().burnInWindows) }
    }

    /// With --across-windows: the Mamba's config with pooling last (a kind without one is left for
    /// the engine's check to name).
    func applyAcrossWindows(to model: inout ModelConfig) {
        guard acrossWindows != nil, model.kind == .mamba || model.kind == .mambaWide else { return }
        var mamba = model.mamba ?? (model.kind == .mamba ? .mamba : .wide)
        mamba.pooling = .last
        model.mamba = mamba
    }

    func apply(to training: inout TrainingConfig) throws {
        if let kept = try keptWeights { training.keptWeights = kept }
        if let learningRate { training.learningRate = learningRate }
        if let batchSize { training.batchSize = batchSize }
        if let patience { training.patience = patience }
        if let weightDecay { training.weightDecay = weightDecay }
        if let balanceClasses { training.balanceClasses = balanceClasses }
        if let rssiNoiseDB { training.rssiNoiseDB = rssiNoiseDB }
    }
}
