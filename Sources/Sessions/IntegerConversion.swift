import Compression
import Deploy
import Dispatch
import Graph
import Localisation
import Models

/// The one path from a trained float model to its integer form and RAM plans, shared by `run`,
/// `cv`, `bench` and the workbench: lower → calibrate → quantize → measure → plan. It asks the
/// model only for its graph, never which family it is.
public struct IntegerModel: Sendable {
    public var float: Graph
    public var integer: IntegerGraph
    /// The streaming form, for families that run one step at a time (Mamba).
    public var integerStreaming: IntegerGraph?
    public var calibration: Calibration
    public var plan: PrecisionPlan

    /// How many training windows calibrate (evenly spaced through the training set).
    public static let calibrationWindows = 256

    /// nil when the model has no graph lowering (it stays float).
    public init?(_ model: ClassifierModel, calibrationSet: WindowSet, plan: PrecisionPlan = PrecisionPlan(),
                 maximumWindows: Int = IntegerModel.calibrationWindows) throws {
        try self.init(model, calibrationWindows: calibrationSet.evenlySpaced(maximumWindows), plan: plan)
    }

    /// Calibrated on these windows (each T·F values, as the model reads them).
    public init?(_ model: ClassifierModel, calibrationWindows windows: [[Float]], plan: PrecisionPlan = PrecisionPlan()) throws {
        guard let float = model.lowered(.windowed) else { return nil }
        try self.init(float: float, streaming: model.lowered(.streaming),
                      calibration: Calibration(graph: float, windows: windows, method: plan.calibration), plan: plan)
    }

    /// Another plan on graphs already lowered and calibrated (the precision search converts one
    /// model under many plans; calibrating once keeps them comparable and fast).
    public init(float: Graph, streaming: Graph?, calibration: Calibration, plan: PrecisionPlan) throws {
        let quantizer = GraphQuantizer(calibration: calibration, plan: plan)
        self.float = float
        self.calibration = calibration
        self.plan = plan
        integer = try quantizer.quantize(float)
        integerStreaming = try streaming.map(quantizer.quantize)
    }

    /// The predicted room of every window, by the integer engine: the first largest output code.
    public func predict(_ windows: WindowSet) -> [Int] {
        IntegerScores(codes: scores(windows), output: integer.output.quantization, rooms: integer.output.elements).predictions
    }

    /// The output codes of every window, `codes[w·rooms + j]`, by the integer engine (windows split
    /// over the cores): what the chip's decoder reads.
    public func scores(_ windows: WindowSet) -> [Int32] {
        let size = windows.length * windows.features, count = windows.count, c = integer.output.elements
        let chunks = min(max(count, 1), 8)
        var codes = [Int32](repeating: 0, count: count * c)
        let graph = integer
        codes.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let engine = IntegerInterpreter(graph)
                for w in (chunk * count / chunks)..<((chunk + 1) * count / chunks) {
                    let row = engine.run(engine.quantizeInput(Array(windows.x[(w * size)..<((w + 1) * size)])))
                    for j in 0..<c { base[w * c + j] = row[j] }
                }
            }
        }
        return codes
    }

    /// Per-op SQNR and error histograms on up to `maximumWindows` windows.
    public func quantizationReport(on windows: WindowSet, maximumWindows: Int = 64) throws -> [LayerQuantizationReport] {
        try quantizationReport(on: windows.evenlySpaced(maximumWindows))
    }

    public func quantizationReport(on windows: [[Float]]) throws -> [LayerQuantizationReport] {
        try LayerQuantizationReport.measure(float: float, integer: integer, windows: windows)
    }
}

extension WindowSet {
    /// Up to `count` windows spread evenly over the set, each as its own array.
    public func evenlySpaced(_ count: Int) -> [[Float]] {
        let n = min(count, self.count), size = length * features
        guard n > 0 else { return [] }
        return (0..<n).map { i in
            let w = i * self.count / n
            return Array(x[(w * size)..<((w + 1) * size)])
        }
    }
}

/// Everything the RAM view shows: float32 and integer plans, windowed and streaming, with the
/// MCU's estimates for the integer model.
public struct MemorySummary: Sendable, Codable, Equatable {
    public var mcu: String
    public var ramBudgetBytes: Int
    public var float: RAMReport
    public var floatStreaming: RAMReport?
    public var integer: RAMReport?
    public var integerStreaming: RAMReport?
    /// MAC-bound estimates for one windowed prediction of the integer model (float when none).
    public var latencyMilliseconds: Double
    public var energyMicrojoules: Double

    /// The plan the chip would run: integer windowed when there is one.
    public var deployed: RAMReport { integer ?? float }
    /// The arena and, after `run --decode lag=N`, the decoder's arrays.
    public var fitsBudget: Bool { deployed.totalRAMBytes <= ramBudgetBytes }

    public init(model: ClassifierModel, integer: IntegerModel?, mcu: MCUProfile, ramBudgetBytes: Int) throws {
        guard let floatGraph = model.lowered(.windowed) else { throw SessionError.mismatch("\(model.kind.rawValue) has no graph to plan") }
        self.mcu = mcu.name
        self.ramBudgetBytes = ramBudgetBytes
        float = try RAMReport(float: floatGraph)
        floatStreaming = try model.lowered(.streaming).map { try RAMReport(float: $0) }
        self.integer = try integer.map { try RAMReport(integer: $0.integer) }
        integerStreaming = try integer?.integerStreaming.map { try RAMReport(integer: $0) }
        let macs = (self.integer ?? float).macs
        latencyMilliseconds = mcu.latencyMilliseconds(macs: macs)
        energyMicrojoules = mcu.energyMicrojoules(macs: macs)
    }
}
