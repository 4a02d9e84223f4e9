import Foundation
import Sessions

/// Options given to `run` that an existing session's saved settings contradict. A session keeps
/// the settings it was created with (its checkpoint is bound to them), so such options are refused
/// rather than silently ignored or applied halfway through an experiment.
struct SessionConflict: Error, CustomStringConvertible {
    let session: String
    let differences: [String]

    var description: String {
        "session \(session) already exists with other settings: \(differences.joined(separator: ", ")). "
            + "An existing session keeps its own settings: drop these options to resume it, or choose a new --session name."
    }
}

extension Run {
    /// Each option given on the command line whose value differs from the saved session's, as
    /// "--option asked (session: saved)".
    func conflicts(asked: SessionConfig, saved: SessionConfig) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ option: String, given: Bool, _ value: (SessionConfig) -> T, _ show: (T) -> String = { "\($0)" }) {
            let a = value(asked), s = value(saved)
            if given && a != s { out.append("\(option) \(show(a)) (session: \(show(s)))") }
        }
        compare("--data", given: dataOptions.data != nil, \.data) { $0.path ?? "the simulated home" }
        compare("--model", given: model != nil || crf, { $0.model.kind.rawValue + ($0.model.labelsSteps ? " --crf" : "") })
        compare("--epochs", given: epochs != nil, \.training.epochs)
        compare("--seed", given: seed != nil, \.seed)
        compare("--receiver-dropout", given: receiverDropout != nil, \.training.receiverDropout)
        compare("--learning-rate", given: trainingOptions.learningRate != nil, \.training.learningRate)
        compare("--batch-size", given: trainingOptions.batchSize != nil, \.training.batchSize)
        compare("--patience", given: trainingOptions.patience != nil, \.training.patience)
        compare("--weight-decay", given: trainingOptions.weightDecay != nil, \.training.weightDecay)
        compare("--keep-weights", given: trainingOptions.keepWeights != nil, \.training.keptWeights.rawValue)
        compare("--balance-classes", given: trainingOptions.balanceClasses != nil, \.training.balanceClasses) {
            $0 ? "on" : "off"
        }
        compare("--recordings", given: recordings != nil, \.data.recordings)
        compare("--minutes", given: minutes != nil, \.data.minutesPerRecording)
        compare("--intact-recordings", given: intactRecordings != nil, \.data.intactRecordings)
        compare("--decode", given: decode != "none", { $0.decoders?.map(\.description).joined(separator: ",") ?? "none" })
        compare("--budget-kb", given: budgetKB != nil, { $0.ramBudgetBytes / 1024 })
        compare("--mcu", given: mcu != nil, \.mcu)
        compare("--train/--val/--test", given: val != nil, \.splitSpec) { spec in
            spec.map { "\($0.train.isEmpty ? "" : "train \($0.train) ")val \($0.validation) test \($0.test)" } ?? "the default split"
        }
        compare("--max-gap", given: dataOptions.maxGap != nil, \.maxGap) { $0.map { "\($0)" } ?? "one step" }
        compare("--scaling", given: dataOptions.scaling != nil, \.scaling) { $0?.rawValue ?? "fixed" }
        return out
    }
}
