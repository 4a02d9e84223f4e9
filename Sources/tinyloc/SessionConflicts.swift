import Foundation
import Models
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

/// Collects, option by option, what a command asks that a saved session's settings contradict, as
/// "--option asked (session: saved)"; an option not given on the command line never conflicts.
struct ConflictList {
    let asked: SessionConfig
    let saved: SessionConfig
    private(set) var differences: [String] = []

    init(asked: SessionConfig, saved: SessionConfig) {
        self.asked = asked
        self.saved = saved
    }

    mutating func compare<T: Equatable>(_ option: String, given: Bool, _ value: (SessionConfig) -> T,
                                        _ show: (T) -> String = { "\($0)" }) {
        let a = value(asked), s = value(saved)
        if given && a != s { differences.append("\(option) \(show(a)) (session: \(show(s)))") }
    }
}

extension Run {
    /// Each option given on the command line whose value differs from the saved session's.
    func conflicts(asked: SessionConfig, saved: SessionConfig) -> [String] {
        var list = ConflictList(asked: asked, saved: saved)
        list.compare("--data", given: dataOptions.data != nil, \.data) { $0.path ?? "the simulated home" }
        list.compare("--model", given: model != nil || crf, { $0.model.kind.rawValue + ($0.model.labelsSteps ? " --crf" : "") })
        list.compare("--teacher-width", given: teacherWidth != nil, { $0.model.teacher?.width ?? ($0.model.kind == .teacherPaper ? TeacherConfig.paper : TeacherConfig.teacher).width })
        list.compare("--epochs", given: epochs != nil, \.training.epochs)
        list.compare("--seed", given: seed != nil, \.seed)
        list.compare("--receiver-dropout", given: receiverDropout != nil, \.training.receiverDropout)
        list.compare("--learning-rate", given: trainingOptions.learningRate != nil, \.training.learningRate)
        list.compare("--batch-size", given: trainingOptions.batchSize != nil, \.training.batchSize)
        list.compare("--rssi-noise", given: trainingOptions.rssiNoiseDB != nil, \.training.rssiNoiseDB)
        list.compare("--patience", given: trainingOptions.patience != nil, \.training.patience)
        list.compare("--weight-decay", given: trainingOptions.weightDecay != nil, \.training.weightDecay)
        list.compare("--keep-weights", given: trainingOptions.keepWeights != nil, \.training.keptWeights.rawValue)
        list.compare("--balance-classes", given: trainingOptions.balanceClasses != nil, \.training.balanceClasses) {
            $0 ? "on" : "off"
        }
        list.compare("--recordings", given: recordings != nil, \.data.recordings)
        list.compare("--minutes", given: minutes != nil, \.data.minutesPerRecording)
        list.compare("--intact-recordings", given: intactRecordings != nil, \.data.intactRecordings)
        list.compare("--across-windows/--burn-in", given: trainingOptions.acrossWindows != nil, \.acrossWindows) { across in
            across.map { "\($0.windowsPerSegment) scored + \($0.burnInWindows) warm-up windows" } ?? "windowed"
        }
        list.compare("--decode", given: decode != "none", { $0.decoders?.map(\.description).joined(separator: ",") ?? "none" })
        list.compare("--budget-kb", given: budgetKB != nil, { $0.ramBudgetBytes / 1024 })
        list.compare("--mcu", given: mcu != nil, \.mcu)
        list.compare("--train/--val/--test", given: val != nil, \.splitSpec) { spec in
            spec.map { "\($0.train.isEmpty ? "" : "train \($0.train) ")val \($0.validation) test \($0.test)" } ?? "the default split"
        }
        list.compare("--max-gap", given: dataOptions.maxGap != nil, \.maxGap) { $0.map { "\($0)" } ?? "one step" }
        list.compare("--scaling", given: dataOptions.scaling != nil, \.scaling) { $0?.rawValue ?? "fixed" }
        return list.differences
    }
}
