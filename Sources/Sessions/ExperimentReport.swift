import Compression
import Deploy
import Localisation
import Models

/// `report.json`: what a finished session measured, float beside integer, with the RAM plans.
public struct ExperimentReport: Codable, Sendable {
    public struct DataSummary: Codable, Sendable, Equatable {
        public var source: String
        public var rooms: [String]
        public var receivers: [String]
        public var recordings: [String]
        public var trainRecordings: [String]
        public var validationRecordings: [String]
        public var testRecordings: [String]
        public var trainWindows: Int
        public var validationWindows: Int
        public var testWindows: Int
        public var features: Int
        public var steps: Int
        /// Receivers that heard nothing in a whole recording, by recording name (omitted when none).
        public var silentReceivers: [String: [String]]
        /// Per recording: packets, and the share each receiver heard (absent in older reports).
        public var coverage: [ReceiverCoverage]?
        /// How the default split chose validation and test (absent when the split was named, and in older reports).
        public var splitNote: String?
        /// Receivers never heard in the training recordings, which the model ignores (absent when none).
        public var ignoredReceivers: [String]? = nil

        /// Receivers silent in all of `recording` that most training recordings hear, nil when none.
        /// One silent in training too (SPHERE's Study_AP) is no surprise to the model and needs no warning.
        public func silentButHeardInTraining(_ recording: String) -> [String]? {
            guard let silent = silentReceivers[recording] else { return nil }
            guard let coverage else { return silent }
            let training = coverage.filter { trainRecordings.contains($0.recording) }
            let missed = silent.filter { receiver in
                2 * training.filter { $0.receivers.contains { $0.name == receiver && $0.heardRate > 0 } }.count > training.count
            }
            return missed.isEmpty ? nil : missed
        }
    }

    /// Metrics on one split, with per-room F1 keyed by room name.
    public struct SplitResult: Codable, Sendable, Equatable {
        public var macroF1: Double
        public var accuracy: Double
        public var roomF1: [String: Double]
        public var confusion: [[Int]]

        public init(_ metrics: ClassificationMetrics, rooms: [String]) {
            macroF1 = metrics.macroF1
            accuracy = metrics.accuracy
            var perRoom = [String: Double]()
            for (index, room) in rooms.enumerated() where metrics.present[index] { perRoom[room] = metrics.f1[index] }
            roomF1 = perRoom
            confusion = metrics.confusion
        }
    }

    public var session: String
    public var seed: UInt64
    public var data: DataSummary
    public var model: String
    public var parameters: Int
    public var epochsTrained: Int
    public var bestEpoch: Int
    public var testFloat: SplitResult
    /// The integer model's scores; nil for models without a graph lowering (the teachers).
    public var testInt8: SplitResult?
    /// Per op of the integer model: SQNR and error histograms on validation windows.
    public var quantization: [LayerQuantizationReport]
    /// RAM and flash plans, float32 and integer, windowed and streaming; nil without a graph.
    public var memory: MemorySummary?
    /// How inputs were scaled (`fixed` or `minmax`); with `minmax`, the scaler fitted on the
    /// training recordings, which every input to this model must go through (also checkpoints/scaler.json).
    public var scaling: FeatureScaling? = nil
    public var scaler: FeatureScaler? = nil
    /// The float test predictions after each of the session's temporal decoders (absent without decoders).
    public var testDecoded: [DecodedResult]? = nil
}
