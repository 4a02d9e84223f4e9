import Foundation
import Models

extension Session {
    /// Trains until the trainer finishes or `control` stops it, saving after every epoch:
    /// first the metrics line, then the checkpoint (atomically). A kill between the two leaves a
    /// metrics line ahead of the checkpoint, which `loadResumeState` drops, so at most the epoch in
    /// progress is lost. Returns true when training ran to completion.
    @discardableResult
    public func train(_ trainer: Trainer, control: TrainingControl? = nil,
                      onEpoch: (EpochRecord) -> Void = { _ in }) throws -> Bool {
        while !trainer.isFinished {
            if control?.isStopped == true { return false }
            guard let record = trainer.runEpoch(control: control) else { return false }
            try metrics.append(EpochEntry(record))
            try CheckpointFile.write(trainer.state(), to: lastCheckpointURL)
            onEpoch(record)
        }
        return true
    }
}
