import Foundation
import Localisation
import Models

extension Session {
    /// The training options `last.ckpt` was trained with, written beside it: session.json may be
    /// edited between runs, and its digest leaves the training options out on purpose.
    public var trainedWithURL: URL { checkpointsFolder.appendingPathComponent("trained-with.json") }

    /// Why the checkpoint cannot carry on under `training`, or nil when it can (or there is none).
    /// Epochs and patience only say how long to train, so a checkpoint trained with other values of
    /// them resumes; any other option (learning rate, batch size, weight decay, class balancing,
    /// receiver dropout, which weights are kept) changes what each epoch learns or keeps, so resuming
    /// would mix two recipes in one model. A checkpoint without `trained-with.json` (written before
    /// it existed) resumes.
    public func recipeChange(to training: TrainingConfig) throws -> String? {
        guard FileManager.default.fileExists(atPath: lastCheckpointURL.path),
              let data = FileManager.default.contents(atPath: trainedWithURL.path) else { return nil }
        let saved: TrainingConfig
        do { saved = try JSONDecoder().decode(TrainingConfig.self, from: data) } catch {
            throw SessionError.corrupt(path: trainedWithURL.path, reason: describeDecodingError(error))
        }
        var comparable = training
        comparable.epochs = saved.epochs
        comparable.patience = saved.patience
        guard comparable != saved else { return nil }
        let changes: [(String, String, String)] = [
            ("learningRate", "\(saved.learningRate)", "\(training.learningRate)"),
            ("batchSize", "\(saved.batchSize)", "\(training.batchSize)"),
            ("weightDecay", "\(saved.weightDecay)", "\(training.weightDecay)"),
            ("balanceClasses", "\(saved.balanceClasses)", "\(training.balanceClasses)"),
            ("receiverDropout", "\(saved.receiverDropout)", "\(training.receiverDropout)"),
            ("rssiNoiseDB", "\(saved.rssiNoiseDB)", "\(training.rssiNoiseDB)"),
            ("keptWeights", saved.keptWeights.rawValue, training.keptWeights.rawValue),
        ].filter { $0.1 != $0.2 }
        return changes.map { "training.\($0.0) \($0.1) → \($0.2)" }.joined(separator: ", ")
    }

    /// Sets the checkpoint aside so the next `loadResumeState` starts afresh (it then also drops the
    /// old recipe's epochs from the learning curve). The old weights are kept, renamed to
    /// `checkpoints/superseded-<time>.ckpt` (returned) with its recipe beside it as
    /// `superseded-<time>.json`, never deleted: nothing saved is lost.
    @discardableResult
    public func discardCheckpoint() throws -> URL? {
        guard FileManager.default.fileExists(atPath: lastCheckpointURL.path) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stem = "superseded-\(formatter.string(from: Date()))"
        let kept = checkpointsFolder.appendingPathComponent("\(stem).ckpt")
        do {
            try FileManager.default.moveItem(at: lastCheckpointURL, to: kept)
            if FileManager.default.fileExists(atPath: trainedWithURL.path) {
                try FileManager.default.moveItem(at: trainedWithURL, to: checkpointsFolder.appendingPathComponent("\(stem).json"))
            }
        } catch {
            throw SessionError.io(path: lastCheckpointURL.path, reason: error.localizedDescription)
        }
        return kept
    }

    /// Trains until the trainer finishes or `control` stops it, saving after every epoch:
    /// first the metrics line, then the checkpoint (atomically). A kill between the two leaves a
    /// metrics line ahead of the checkpoint, which `loadResumeState` drops, so at most the epoch in
    /// progress is lost. Returns true when training ran to completion; throws when the loss stops
    /// being finite, leaving the last finite epoch on disk.
    @discardableResult
    public func train(_ trainer: EpochTraining, control: TrainingControl? = nil,
                      onEpoch: (EpochRecord) -> Void = { _ in }) throws -> Bool {
        // Before the first checkpoint of this recipe, so a checkpoint never sits beside another recipe's record.
        try saveJSON(trainer.config, to: trainedWithURL)
        while !trainer.isFinished {
            if control?.isStopped == true { return false }
            guard let record = trainer.runEpoch(control: control) else { return false }
            // Diverged weights would be saved over the last good ones, and the record cannot be
            // written as JSON; stop with the checkpoint of the epoch before (which holds the best weights).
            guard record.trainLoss.isFinite && record.validationLoss.isFinite else {
                throw SessionError.mismatch("training diverged in epoch \(record.epoch) (training loss \(record.trainLoss), "
                                            + "validation loss \(record.validationLoss)); \(lastCheckpointURL.path) keeps epoch "
                                            + "\(record.epoch - 1) and the best weights so far. Lower training.learningRate in "
                                            + "\(configURL.path) and run the session again to continue from there")
            }
            try metrics.append(EpochEntry(record))
            try CheckpointFile.write(trainer.state(), configDigest: config.digest, to: lastCheckpointURL)
            onEpoch(record)
        }
        return true
    }
}
