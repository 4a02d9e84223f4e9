import Foundation
import Localisation
import Models

/// What a session runs: data, split, windows, model, training, and the deployment target.
/// Stored as `session.json`. Decoding takes every missing field from its default (see
/// SessionConfigDecoding.swift), so a session written by an older tinyloc still opens.
public struct SessionConfig: Codable, Sendable, Equatable {
    public struct DataSource: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case simulated, sphere
            /// The study's csv_house_<X>_{fp,fl}.csv files.
            case studyCSV = "study-csv"
            /// Any CSV layout, described by `columns`.
            case csv
        }
        public var kind: Kind = .simulated
        /// The built-in floor plan the simulator uses (a name in data/floorplans).
        public var floorPlan: String = "sphere-house"
        /// Simulated: how many recordings and how long each.
        public var recordings: Int = 6
        /// 90 minutes rather than SPHERE's ~30: four training recordings of 30 minutes leave the
        /// briefly visited rooms a few dozen windows each, and the default demo right 7–9 times in 10.
        public var minutesPerRecording: Double = 90
        /// Simulated: the last this many recordings (the default split's validation and test) keep
        /// every receiver working all recording; 0 lets an outage hit any recording (robustness studies).
        public var intactRecordings: Int = 2
        /// Real data: the folder (e.g. ../shared/data/sphere) and which annotator's labels to use.
        public var path: String?
        public var annotator: Int = 0
        /// Study CSV: which house (the X of csv_house_<X>_…), needed when the folder holds several.
        public var house: String?
        /// Generic CSV: which column is what.
        public var columns: CSVColumnMapping?
        public init() {}
    }

    public struct Split: Codable, Sendable, Equatable {
        /// Recording indices (0-based, in the order the data set lists them). Never shuffled windows.
        public var train: [Int]
        public var validation: [Int]
        public var test: [Int]
        public init(train: [Int], validation: [Int], test: [Int]) {
            self.train = train
            self.validation = validation
            self.test = test
        }
    }

    public var name: String
    public var seed: UInt64 = 1
    public var data = DataSource()
    /// Recording indices; nil: chosen by `defaultSplit`.
    public var split: Split?
    /// How the split is chosen when neither `splitSpec` nor `split` names one.
    public var defaultSplit: DefaultSplitRule = .usualReceivers
    /// Recordings by name or 1-based number as typed (`--train 1-5 --val 6 --test 7`); resolved
    /// against the data set when it is loaded. Takes precedence over `split`.
    public var splitSpec: SplitSpec?
    public var windowLength: Int = 20
    public var windowHop: Int = 10
    public var stepRate: Double = 5
    /// See `WindowConfig.maxGap`; nil: one step.
    public var maxGap: Double?
    /// nil: `.fixed`, the physical RSSI map.
    public var scaling: FeatureScaling?
    public var model = ModelConfig()
    public var training = TrainingConfig()
    /// Train this session's model as a student of a finished session's model (knowledge distillation).
    public var teacher: TeacherReference?
    /// The RAM budget the Deploy view compares against.
    public var ramBudgetBytes: Int = 64 * 1024
    public var mcu: String = "nRF52840"
    /// Temporal decoders applied to the test predictions after training (nil: none).
    public var decoders: [DecoderSpec]?
    /// Train the Mamba to keep its state across the windows of a recording, and score it streamed
    /// over whole recordings (nil: windowed).
    public var acrossWindows: AcrossWindowsConfig?

    public init(name: String) { self.name = name }

    /// A teacher for distillation: a finished session (its best weights, frozen), T and α
    /// (MODELS.md: L = α·T²·KL(teacher/T ‖ student/T) + (1 − α)·CE).
    public struct TeacherReference: Codable, Sendable, Equatable {
        /// The teacher session's folder.
        public var session: String
        public var temperature: Float = 4
        public var alpha: Float = 0.5
        /// Further teacher sessions on the same data, split and windows: the student then learns the
        /// teachers' softened outputs averaged (`TeacherEnsemble`). Absent for one teacher.
        public var moreSessions: [String]? = nil

        public init(session: String, temperature: Float = 4, alpha: Float = 0.5, moreSessions: [String]? = nil) {
            self.session = session
            self.temperature = temperature
            self.alpha = alpha
            self.moreSessions = moreSessions
        }

        /// Every teacher session, the first one first.
        public var sessions: [String] { [session] + (moreSessions ?? []) }
    }

    public var windowConfig: WindowConfig {
        WindowConfig(stepRate: stepRate, length: windowLength, hop: windowHop, maxGap: maxGap)
    }

    public enum DefaultSplitRule: String, Codable, Sendable {
        /// The last recording tests, the one before it validates: sessions made before `usualReceivers`.
        case lastTwo = "last-two"
        /// `RecordingSplit.byReceiverCoverage`: the last two recordings that hear the receivers most
        /// recordings hear validate and test, so neither lacks a receiver training had nor brings a new one.
        case usualReceivers = "usual-receivers"
    }

    /// The split for this data set, and why a default split passed recordings over (nil when the
    /// split was named or every recording hears the same receivers).
    public func resolvedSplit(dataset: Dataset) throws -> (split: Split, note: String?) {
        let names = dataset.recordings.map(\.name)
        if let splitSpec { return (try splitSpec.resolve(against: names), nil) }
        let n = names.count
        if let split {
            for index in split.train + split.validation + split.test where !(0..<n).contains(index) {
                throw SessionError.mismatch("split names recording \(index + 1), but the data has \(n) recordings")
            }
            return (split, nil)
        }
        guard n >= 3 else { throw SessionError.mismatch("need at least 3 recordings to split by recording, the data has \(n)") }
        switch defaultSplit {
        case .lastTwo:
            return (Split(train: Array(0..<(n - 2)), validation: [n - 2], test: [n - 1]), nil)
        case .usualReceivers:
            let chosen = RecordingSplit.byReceiverCoverage(ReceiverCoverage.table(dataset))
            let split = Split(train: chosen.split.train, validation: chosen.split.validation, test: chosen.split.test)
            return (split, Self.note(chosen, names: names))
        }
    }

    private static func note(_ chosen: RecordingSplit.Default, names: [String]) -> String? {
        let heldOut = "val \(names[chosen.split.validation[0]]), test \(names[chosen.split.test[0]])"
        guard chosen.heldOutAreTypical else {
            return "default split: \(heldOut), the last two; too few recordings hear the same receivers to choose from"
        }
        guard !chosen.atypical.isEmpty else { return nil }
        let odd = chosen.atypical.map { a in
            a.recording + " (" + (a.missing.map { "no \($0)" } + a.extra.map { "+ \($0)" }).joined(separator: ", ") + ")"
        }
        // The passed-over recordings come first: a narrow footer cuts the end, and val/test are in the header too.
        return "default split: \(odd.joined(separator: ", ")) train; \(heldOut) hear the receivers most recordings hear "
            + "(\(chosen.usualReceivers.joined(separator: ", ")))"
    }

    /// Throws for a combination the Trainer cannot run: a model with a CRF head learns the room of
    /// every step from the labels, so it cannot also be distilled from a teacher's window logits.
    public func checkTrainable() throws {
        if model.labelsSteps && teacher != nil {
            throw SessionError.mismatch("\(model.kind.rawValue) with a CRF head trains on the room of every step and "
                                        + "cannot be distilled from a teacher; choose the teacher without CRF, or no teacher")
        }
        if let acrossWindows {
            try AcrossWindows.check(acrossWindows, model: model, window: windowConfig)
            if teacher != nil { throw SessionError.mismatch("across windows: a Mamba trained across windows is not distilled from a teacher yet") }
        }
    }
}
