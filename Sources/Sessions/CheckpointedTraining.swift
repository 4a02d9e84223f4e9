import Foundation
import Models

extension Session {
    /// Trains until the trainer finishes or `control` stops it, saving after every epoch:
    /// first the metrics line, then the checkpoint (atomically). A kill between the two leaves a
    /// metrics line ahead of the checkpoint, which `loadResumeState` drops, so at most the epoch in
    /// progress is lost. Returns true when training ran to completion; throws when the loss stops
    /// being finite, leaving the last finite epoch on disk.
    @discardableResult
    public func train(_ trainer: Trainer, control: TrainingControl? = nil,
                      onEpoch: (EpochRecord) -> Void = { _ in }) throws -> Bool {
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
