import Compression
import Localisation

/// Everything the workbench shows, as one plain value. The controller builds it from the engine;
/// the app redraws only when a new snapshot differs from the last one it drew.
public struct WorkbenchState: Equatable, Sendable {
    public var header: Header
    public var training: Training
    public var memory: Memory
    public var quantization: Quantization
    public var compress = Compress()
    public var replay: Replay?
    /// A message the user must see (an error, or a notice such as "checkpoint written").
    public var notice: Notice?
    /// What a new run can be started on (the `n` picker); empty lists hide the picker.
    public var choices = RunChoices()
    /// Which receivers each recording heard, and how often (the compare view).
    public var coverage = Coverage()
    /// Every saved variant of every session beside this one (Compare view), best test macro-F1 first.
    public var variants: [VariantRow] = []
    /// The engine is evaluating, searching, saving or exporting for the screen; its result will
    /// change what is shown.
    public var backgroundWork = false
    public var presentation = Presentation()
    /// The default demo's stages, in order; empty for any other run.
    public var studyPath: [PathStage] = []

    public struct VariantRow: Equatable, Sendable {
        public var session: String
        public var model: String
        public var name: String
        /// The plan in a word or two: "int8", "int4", "mixed (3 int4)", "int16 outputs"…
        public var precision: String
        public var validationF1: Double
        public var testF1: Double
        public var arenaBytes: Int
        public var flashBytes: Int

        public init(session: String, model: String, name: String, precision: String, validationF1: Double, testF1: Double,
                    arenaBytes: Int, flashBytes: Int) {
            self.session = session
            self.model = model
            self.name = name
            self.precision = precision
            self.validationF1 = validationF1
            self.testF1 = testF1
            self.arenaBytes = arenaBytes
            self.flashBytes = flashBytes
        }
    }

    public init(header: Header = Header(), training: Training = Training(), memory: Memory = Memory(),
                quantization: Quantization = Quantization(), replay: Replay? = nil, notice: Notice? = nil) {
        self.header = header
        self.training = training
        self.memory = memory
        self.quantization = quantization
        self.replay = replay
        self.notice = notice
    }

    public struct Header: Equatable, Sendable {
        public var session: String
        public var dataset: String
        public var model: String
        /// What the model is right now, e.g. "training", "float", "int8".
        public var stage: String

        public init(session: String = "", dataset: String = "", model: String = "", stage: String = "") {
            self.session = session
            self.dataset = dataset
            self.model = model
            self.stage = stage
        }
    }

    public struct EpochInProgress: Equatable, Sendable {
        public var epoch: Int
        /// Share of the epoch's training windows done, 0…1.
        public var fraction: Double
        /// Training is done and the validation windows are being scored.
        public var validating: Bool

        public init(epoch: Int, fraction: Double, validating: Bool = false) {
            self.epoch = epoch
            self.fraction = fraction
            self.validating = validating
        }
    }

    public struct EpochMetrics: Equatable, Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var valLoss: Double
        public var trainF1: Double
        public var valF1: Double

        public init(epoch: Int, trainLoss: Double, valLoss: Double, trainF1: Double, valF1: Double) {
            self.epoch = epoch
            self.trainLoss = trainLoss
            self.valLoss = valLoss
            self.trainF1 = trainF1
            self.valF1 = valF1
        }
    }

    public struct Training: Equatable, Sendable {
        /// One entry per finished epoch, in order.
        public var epochs: [EpochMetrics]
        public var currentEpoch: Int
        public var maxEpochs: Int
        /// A run is in progress (possibly paused); the app polls for snapshots only while true.
        public var running: Bool
        public var paused: Bool
        public var status: String
        /// When this run distils from a teacher: the teacher's own curve, drawn beside the student's.
        public var teacher: TeacherCurve?
        /// The epoch being trained right now, nil between epochs and before training starts.
        public var inProgress: EpochInProgress?
        /// The model's parameter count, once it is built.
        public var parameters: Int?

        public init(epochs: [EpochMetrics] = [], currentEpoch: Int = 0, maxEpochs: Int = 0,
                    running: Bool = false, paused: Bool = false, status: String = "") {
            self.epochs = epochs
            self.currentEpoch = currentEpoch
            self.maxEpochs = maxEpochs
            self.running = running
            self.paused = paused
            self.status = status
        }
    }

    public struct TeacherCurve: Equatable, Sendable {
        /// e.g. "teacher (session demo-1126)"
        public var label: String
        public var epochs: [EpochMetrics]

        public init(label: String, epochs: [EpochMetrics]) {
            self.label = label
            self.epochs = epochs
        }
    }

    public struct LayerRAM: Equatable, Sendable {
        public var name: String
        /// Bytes live while this layer runs (activations, scratch and persistent state).
        public var bytes: Int
        /// This layer sets the arena peak.
        public var isPeak: Bool
        /// Bytes live while this layer runs one streamed step, for models that also run
        /// streaming (Mamba); then `bytes` is the windowed figure. nil: no streaming figure.
        public var streamingBytes: Int?

        public init(name: String, bytes: Int, isPeak: Bool = false, streamingBytes: Int? = nil) {
            self.name = name
            self.bytes = bytes
            self.isPeak = isPeak
            self.streamingBytes = streamingBytes
        }
    }

    public struct Memory: Equatable, Sendable {
        public var layers: [LayerRAM]
        /// The precision the figures are for, e.g. "int8" or "float32".
        public var precision: String
        public var budgetBytes: Int?
        public var arenaPeakBytes: Int
        /// The streaming arena (state included), for models that run streaming; nil otherwise.
        public var streamingArenaBytes: Int?
        public var flashBytes: Int
        public var macs: Int
        /// Already worded by the engine, e.g. "≈6.1 ms @ nRF52840"; nil when unknown.
        public var latency: String?
        /// Why this run will have no plan, shown instead of waiting for one.
        public var unavailable: String?
        /// Bytes live at each op in execution order (the Deploy view's timeline), persistent state included.
        public var timeline: [OpRAM] = []
        /// Of the arena, what persists between invocations (streaming state).
        public var persistentBytes = 0
        /// How the model fares on each MCU profile.
        public var chips: [ChipFit] = []
        /// What the last `e` (export C) did.
        public var exportStatus: String?

        public struct OpRAM: Equatable, Sendable {
            public var name: String
            public var bytes: Int
            public var isPeak: Bool
            public init(name: String, bytes: Int, isPeak: Bool) {
                self.name = name
                self.bytes = bytes
                self.isPeak = isPeak
            }
        }

        public struct ChipFit: Equatable, Sendable {
            public var name: String
            public var core: String
            public var ramBytes: Int
            public var flashBytes: Int
            public var fits: Bool
            /// e.g. "≈6.3 ms"
            public var latency: String
            public init(name: String, core: String, ramBytes: Int, flashBytes: Int, fits: Bool, latency: String) {
                self.name = name
                self.core = core
                self.ramBytes = ramBytes
                self.flashBytes = flashBytes
                self.fits = fits
                self.latency = latency
            }
        }

        public init(layers: [LayerRAM] = [], precision: String = "", budgetBytes: Int? = nil, arenaPeakBytes: Int = 0,
                    flashBytes: Int = 0, macs: Int = 0, latency: String? = nil, streamingArenaBytes: Int? = nil) {
            self.layers = layers
            self.precision = precision
            self.budgetBytes = budgetBytes
            self.arenaPeakBytes = arenaPeakBytes
            self.streamingArenaBytes = streamingArenaBytes
            self.flashBytes = flashBytes
            self.macs = macs
            self.latency = latency
        }
    }


    public enum QuantizedTensorKind: String, Equatable, Sendable {
        case weight, activation
    }

    public struct QuantizedTensor: Equatable, Sendable {
        /// The tensor, e.g. "attn.0.q".
        public var name: String
        /// The RAM row (layer) it belongs to, so both panes can highlight the same layer.
        public var layer: String
        public var kind: QuantizedTensorKind
        /// e.g. "int8"
        public var precision: String
        public var sqnrDB: Double
        /// The error between the float tensor and its quantized form, in bins whose edges are in
        /// units of the quantization step Δ (so ±0.5 is perfect rounding).
        public var histogram: Histogram

        public init(name: String, layer: String, kind: QuantizedTensorKind, precision: String, sqnrDB: Double,
                    histogram: Histogram) {
            self.name = name
            self.layer = layer
            self.kind = kind
            self.precision = precision
            self.sqnrDB = sqnrDB
            self.histogram = histogram
        }
    }

    public struct Quantization: Equatable, Sendable {
        public var tensors: [QuantizedTensor]
        /// Index into `tensors`; the controller moves it on `selectLayer(delta:)`.
        public var selected: Int
        /// Test-recording macro-F1 of the float model and of its int8 form; nil until measured.
        public var floatF1: Double?
        public var int8F1: Double?
        /// Test-recording accuracy of the model that would ship (int8 when there is one).
        public var deployedAccuracy: Double?
        /// Why this run will have no quantized layers, shown instead of waiting for them.
        public var unavailable: String?

        public init(tensors: [QuantizedTensor] = [], selected: Int = 0, floatF1: Double? = nil, int8F1: Double? = nil,
                    deployedAccuracy: Double? = nil) {
            self.tensors = tensors
            self.selected = selected
            self.floatF1 = floatF1
            self.int8F1 = int8F1
            self.deployedAccuracy = deployedAccuracy
        }

        public var selectedTensor: QuantizedTensor? {
            tensors.indices.contains(selected) ? tensors[selected] : nil
        }
    }

    public struct ReplayStep: Equatable, Sendable {
        /// Seconds since the recording started.
        public var time: Double
        /// Indices into `Replay.rooms`.
        public var trueRoom: Int
        public var predictedRoom: Int

        public init(time: Double, trueRoom: Int, predictedRoom: Int) {
            self.time = time
            self.trueRoom = trueRoom
            self.predictedRoom = predictedRoom
        }
    }

    /// The validation recording played back on the floor plan. The controller advances `index`
    /// while `playing`; the app only polls.
    public struct Replay: Equatable, Sendable {
        public var recording: String
        public var plan: FloorPlan
        /// The model's class labels; they match `FloorPlan.Room.name`.
        public var rooms: [String]
        public var steps: [ReplayStep]
        public var index: Int
        public var playing: Bool
        /// Playback speed as a multiple of real time.
        public var speed: Double
        /// The temporal decoder the predicted rooms went through (e.g. "lag=10"), nil when undecoded.
        public var decoder: String?

        public init(recording: String, plan: FloorPlan, rooms: [String], steps: [ReplayStep], index: Int = 0,
                    playing: Bool = false, speed: Double = 1, decoder: String? = nil) {
            self.decoder = decoder
            self.recording = recording
            self.plan = plan
            self.rooms = rooms
            self.steps = steps
            self.index = index
            self.playing = playing
            self.speed = speed
        }

        public var current: ReplayStep? { steps.indices.contains(index) ? steps[index] : nil }

        /// Share of steps up to and including the current one where the prediction was right.
        public var accuracySoFar: Double? {
            guard steps.indices.contains(index) else { return nil }
            let seen = steps[...index]
            return Double(seen.filter { $0.trueRoom == $0.predictedRoom }.count) / Double(seen.count)
        }

        public func roomName(_ i: Int) -> String { rooms.indices.contains(i) ? rooms[i] : "?" }
    }

    /// Share of the wearable's packets each receiver heard, per recording and its role in the split.
    public struct Coverage: Equatable, Sendable {
        public struct Row: Equatable, Sendable {
            public var recording: String
            /// "train", "validation" or "test".
            public var role: String
            /// One per `receivers` entry, 0…1.
            public var heardRates: [Double]

            public init(recording: String, role: String, heardRates: [Double]) {
                self.recording = recording
                self.role = role
                self.heardRates = heardRates
            }
        }

        public var receivers: [String]
        public var rows: [Row]

        public init(receivers: [String] = [], rows: [Row] = []) {
            self.receivers = receivers
            self.rows = rows
        }
    }

    /// The data sources and models a new run can use, and which ones the current run uses.
    public struct RunChoices: Equatable, Sendable {
        public var dataSources: [String]
        public var models: [String]
        /// "none" first; then sessions whose model can teach the new run (distillation).
        public var teachers: [String]
        public var currentDataSource: Int
        public var currentModel: Int

        public init(dataSources: [String] = [], models: [String] = [], teachers: [String] = ["none"],
                    currentDataSource: Int = 0, currentModel: Int = 0) {
            self.dataSources = dataSources
            self.models = models
            self.teachers = teachers
            self.currentDataSource = currentDataSource
            self.currentModel = currentModel
        }
    }

    public struct Notice: Equatable, Sendable {
        public var text: String
        public var isError: Bool

        public init(_ text: String, isError: Bool = false) {
            self.text = text
            self.isError = isError
        }
    }

    /// Something moves on screen without a key press, so the app must keep polling.
    public var isAnimating: Bool {
        (training.running && !training.paused) || (replay?.playing ?? false) || backgroundWork
    }
}
