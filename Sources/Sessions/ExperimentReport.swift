import Compression
import Deploy
import Localisation
import Models

/// `report.json`: what a finished session measured, float beside int8, with the RAM plan.
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

    public struct LayerMemory: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        public var liveBytes: Int
        public var arenaExtent: Int
        public var macs: Int
        public var isPeak: Bool
    }

    public struct Deployment: Codable, Sendable, Equatable {
        public var mcu: String
        public var arenaBytes: Int
        public var peakOp: String
        public var layers: [LayerMemory]
        public var flashBytes: Int
        public var flash: FlashBreakdown
        public var macs: Int
        public var latencyMilliseconds: Double
        public var energyMicrojoules: Double
        public var ramBudgetBytes: Int
        public var fitsBudget: Bool
    }

    public var session: String
    public var seed: UInt64
    public var data: DataSummary
    public var model: String
    public var parameters: Int
    public var epochsTrained: Int
    public var bestEpoch: Int
    public var testFloat: SplitResult
    /// nil for models without an int8 conversion yet (only the MLP has one so far).
    public var testInt8: SplitResult?
    public var quantization: [LayerQuantizationReport]
    public var deployment: Deployment?
    /// How inputs were scaled (`fixed` or `minmax`); with `minmax`, the scaler fitted on the
    /// training recordings, which every input to this model must go through (also checkpoints/scaler.json).
    public var scaling: FeatureScaling? = nil
    public var scaler: FeatureScaler? = nil
    /// float32 RAM, windowed and streaming, for models that describe their execution (Mamba);
    /// absent in older reports.
    public var floatRAM: FloatRAMReport? = nil
    /// The float test predictions after each of the session's temporal decoders (absent without decoders).
    public var testDecoded: [DecodedResult]? = nil
}
