import Compression
import Deploy
import Foundation
import Graph
import Localisation
import Models

/// A finished (or interrupted) session's model at its best-on-validation weights, with the
/// windows of its own split: what `compress` evaluates precision plans on.
public struct TrainedSession {
    public let session: Session
    public let model: ClassifierModel
    public let windows: SplitWindows
    public let rooms: [String]

    public static func open(_ session: Session) throws -> TrainedSession {
        let config = session.config
        let (dataset, _) = try config.data.load(seed: config.seed)
        let (split, _) = try config.resolvedSplit(dataset: dataset)
        let windows = SplitWindows(dataset: dataset, split: split, config: config)
        guard FileManager.default.fileExists(atPath: session.lastCheckpointURL.path) else {
            throw SessionError.notFound("a trained model in session \(config.name) (no checkpoints/last.ckpt: run it first)")
        }
        let shape = ModelShape(steps: windows.train.length, features: windows.train.features, classes: dataset.rooms.count)
        let model = try session.loadBestModel(shape: shape).model
        return TrainedSession(session: session, model: model, windows: windows, rooms: dataset.rooms)
    }
}

/// One precision plan evaluated: what `variants/<name>.json` holds (docs/FORMATS.md).
public struct VariantReport: Sendable, Codable, Equatable {
    public var name: String
    public var model: String
    public var plan: PrecisionPlan
    public var floatValidationMacroF1: Double
    public var floatTestMacroF1: Double
    public var validation: ExperimentReport.SplitResult
    public var test: ExperimentReport.SplitResult
    public var arenaBytes: Int
    public var streamingArenaBytes: Int?
    public var flashBytes: Int
    public var floatIslands: [String]
    /// Per op: output bits and SQNR on validation windows.
    public var layers: [LayerQuantizationReport]
    /// The integer model itself (what `export` writes as C), and its streaming form (Mamba).
    public var graph: IntegerGraph
    public var streamingGraph: IntegerGraph?
    /// Set when the weights were fine-tuned under the plan (`compress --qat`).
    public var qat: QuantizationAwareTrainingSummary?
}

/// One layer's cost of going to another precision alone (every other layer as in the base plan).
public struct LayerSensitivity: Sendable, Codable, Equatable {
    public var layer: String
    public var weights: PrecisionPlan.WeightPrecision
    public var granularity: PrecisionPlan.Granularity
    public var validationMacroF1: Double
    /// Base plan's validation macro-F1 minus this one (positive: it costs).
    public var drop: Double
    /// The layer's output SQNR in that plan (nil: exact).
    public var outputSQNR: Double?
    public var flashBytes: Int
}

/// A plan on the Pareto front of RAM and flash against validation macro-F1.
public struct PlanPoint: Sendable, Codable, Equatable {
    public var plan: PrecisionPlan
    public var validationMacroF1: Double
    /// The arena the budget is checked against: windowed, or streaming when the search is for a
    /// streaming deployment.
    public var arenaBytes: Int
    public var flashBytes: Int
}

public enum PrecisionSearchError: Error, Equatable, CustomStringConvertible {
    case noModelGraph(String)
    case budget(String)

    public var description: String {
        switch self {
        case .noModelGraph(let kind): return "\(kind) has no graph lowering, so it has no integer form to compress"
        case .budget(let message): return message
        }
    }
}

/// Evaluates precision plans for one trained model: lowers and calibrates once per calibration
/// method, then converts and scores each plan on the validation (and test) windows.
public final class PlanEvaluator {
    public let trained: TrainedSession
    private let float: Graph
    private let streaming: Graph?
    private var calibrations: [CalibrationMethod: Calibration] = [:]
    public private(set) var floatValidation: Double = 0
    public private(set) var floatTest: Double = 0

    public init(_ trained: TrainedSession) throws {
        self.trained = trained
        guard let float = trained.model.lowered(.windowed) else { throw PrecisionSearchError.noModelGraph(trained.model.kind.rawValue) }
        self.float = float
        streaming = trained.model.lowered(.streaming)
        let classes = trained.rooms.count
        floatValidation = ClassificationMetrics(predictions: predict(trained.model, on: trained.windows.labelledValidation, classes: classes).predicted,
                                                labels: trained.windows.validation.labels, roomCount: classes).macroF1
        floatTest = ClassificationMetrics(predictions: predict(trained.model, on: trained.windows.labelledTest, classes: classes).predicted,
                                          labels: trained.windows.test.labels, roomCount: classes).macroF1
    }

    /// The layers a plan can name, in execution order.
    public var layers: [String] { PrecisionPlan.layerNames(of: float) }
    public var graph: Graph { float }

    public func integerModel(_ plan: PrecisionPlan) throws -> IntegerModel {
        let calibration: Calibration
        if let cached = calibrations[plan.calibration] {
            calibration = cached
        } else {
            calibration = try Calibration(graph: float, windows: trained.windows.train.evenlySpaced(IntegerModel.calibrationWindows),
                                          method: plan.calibration)
            calibrations[plan.calibration] = calibration
        }
        return try IntegerModel(float: float, streaming: streaming, calibration: calibration, plan: plan)
    }

    private func score(_ integer: IntegerModel, on windows: WindowSet) -> ExperimentReport.SplitResult {
        let metrics = ClassificationMetrics(predictions: integer.predict(windows), labels: windows.labels, roomCount: trained.rooms.count)
        return .init(metrics, rooms: trained.rooms)
    }

    /// Whether the model runs streaming on the chip (the RAM that matters is the streaming arena).
    public var streams: Bool { streaming != nil }

    /// Validation macro-F1, arena and flash of a plan (no test, no per-op report: the search's inner step).
    /// `streamingRAM`: the arena is the streaming graph's (for models that stream).
    public func point(_ plan: PrecisionPlan, streamingRAM: Bool = false) throws -> PlanPoint {
        let integer = try integerModel(plan)
        let ram = try RAMReport(integer: streamingRAM ? (integer.integerStreaming ?? integer.integer) : integer.integer)
        return PlanPoint(plan: plan, validationMacroF1: score(integer, on: trained.windows.validation).macroF1,
                         arenaBytes: ram.arenaBytes, flashBytes: ram.flashBytes)
    }

    /// The full evaluation `compress` prints and saves.
    public func evaluate(_ plan: PrecisionPlan, name: String) throws -> VariantReport {
        let integer = try integerModel(plan)
        let ram = try RAMReport(integer: integer.integer)
        return VariantReport(
            name: name, model: trained.model.kind.rawValue, plan: plan, floatValidationMacroF1: floatValidation, floatTestMacroF1: floatTest,
            validation: score(integer, on: trained.windows.validation), test: score(integer, on: trained.windows.test),
            arenaBytes: ram.arenaBytes, streamingArenaBytes: try integer.integerStreaming.map { try RAMReport(integer: $0).arenaBytes },
            flashBytes: ram.flashBytes, floatIslands: integer.integer.floatIslands,
            layers: try integer.quantizationReport(on: trained.windows.validation), graph: integer.integer,
            streamingGraph: integer.integerStreaming)
    }

    /// For each layer and each other weight precision it can run, that layer alone changed.
    public func sensitivity(base: PrecisionPlan = PrecisionPlan()) throws -> [LayerSensitivity] {
        let reference = try point(base).validationMacroF1
        var rows: [LayerSensitivity] = []
        for layer in layers {
            let choices: [(PrecisionPlan.WeightPrecision, PrecisionPlan.Granularity)] =
                [(.int4, .perChannel), (.int4, .perTensor), (.int8, .perChannel), (.int8, .perTensor), (.int16, .perChannel)]
            for (precision, granularity) in choices
            where precision != base.weights(of: layer) || granularity != base.granularity(of: layer) {
                var plan = base
                plan.layers[layer, default: .init()].weights = precision
                plan.layers[layer, default: .init()].granularity = granularity
                // Only precisions the op runs (int16 weights: FULLY_CONNECTED only), as the plan's own check says.
                guard (try? plan.validate(for: float)) != nil else { continue }
                let integer = try integerModel(plan)
                let f1 = score(integer, on: trained.windows.validation).macroF1
                let output = try integer.quantizationReport(on: trained.windows.validation.evenlySpaced(32)).first { $0.name == layer }
                rows.append(LayerSensitivity(layer: layer, weights: precision, granularity: granularity, validationMacroF1: f1,
                                             drop: reference - f1,
                                             outputSQNR: output?.activationSQNR,
                                             flashBytes: integer.integer.ops.first { $0.name == layer }!.kernel.flashBytes))
            }
        }
        return rows
    }

    /// Mixed precision under a RAM and a flash budget (HAWQ-V3's recipe, refined by real evaluation):
    /// per layer int4 or int8 weights with per-channel or per-tensor scales; each option's cost is the
    /// layer's measured drop in validation macro-F1 with that option alone (`sensitivity`), assumed additive; for a ladder of flash budgets an exact knapsack
    /// (`cheapestErrorPlan`) picks the assignment of least summed drop; every candidate is then
    /// converted and scored for real, the non-dominated ones form the front, and the best within the
    /// budgets (and `maxDrop` of float, if given) is chosen. Too small a budget is an error naming the
    /// smallest plan there is.
    public func search(ramBudget: Int, flashBudget: Int, maxDrop: Double?, streamingRAM: Bool = false,
                       sensitivities given: [LayerSensitivity]? = nil) throws -> (front: [PlanPoint], chosen: PlanPoint) {
        let base = PrecisionPlan()
        let sensitivities = try given ?? sensitivity(base: base)
        let int8Model = try integerModel(base)
        let int8Flash = try RAMReport(integer: int8Model.integer).flashBytes
        let costs = layers.map { layer -> [LayerOption] in
            let layerFlash = int8Model.integer.ops.first { $0.name == layer }!.kernel.flashBytes
            var options = [LayerOption(precision: .int8, granularity: .perChannel, flashBytes: layerFlash, error: 0)]
            for row in sensitivities where row.layer == layer && row.weights != .int16 {
                options.append(LayerOption(precision: row.weights, granularity: row.granularity, flashBytes: row.flashBytes,
                                           error: max(row.drop, 0)))
            }
            return options
        }
        let fixed = int8Flash - costs.reduce(0) { $0 + $1[0].flashBytes }
        let smallest = costs.reduce(fixed) { $0 + $1.map(\.flashBytes).min()! }
        let largest = costs.reduce(fixed) { $0 + $1.map(\.flashBytes).max()! }
        var candidates: [PrecisionPlan] = []
        for step in 0...8 {
            let budget = smallest + (largest - smallest) * step / 8
            guard let choice = cheapestErrorPlan(options: costs, flashBudget: budget - fixed) else { continue }
            var plan = base
            for (l, index) in choice.enumerated() where index != 0 {
                plan.layers[layers[l]] = .init(weights: costs[l][index].precision, granularity: costs[l][index].granularity)
            }
            if !candidates.contains(plan) { candidates.append(plan) }
        }
        var evaluated = try candidates.map { try point($0, streamingRAM: streamingRAM) }
        evaluated.sort { $0.flashBytes < $1.flashBytes }
        func dominates(_ q: PlanPoint, _ p: PlanPoint) -> Bool {
            let noWorse = q.flashBytes <= p.flashBytes && q.arenaBytes <= p.arenaBytes && q.validationMacroF1 >= p.validationMacroF1
            let better = q.flashBytes < p.flashBytes || q.arenaBytes < p.arenaBytes || q.validationMacroF1 > p.validationMacroF1
            return noWorse && better
        }
        let front = evaluated.filter { p in !evaluated.contains { dominates($0, p) } }
        let floatF1 = floatValidation
        func fits(_ p: PlanPoint) -> Bool {
            guard p.arenaBytes <= ramBudget && p.flashBytes <= flashBudget else { return false }
            guard let maxDrop else { return true }
            return floatF1 - p.validationMacroF1 <= maxDrop
        }
        func better(_ a: PlanPoint, _ b: PlanPoint) -> Bool {
            a.validationMacroF1 > b.validationMacroF1 || (a.validationMacroF1 == b.validationMacroF1 && a.flashBytes < b.flashBytes)
        }
        var chosen: PlanPoint?
        for p in front where fits(p) { if chosen == nil || better(p, chosen!) { chosen = p } }
        guard let chosen else {
            let least = evaluated.min { ($0.flashBytes, $0.arenaBytes) < ($1.flashBytes, $1.arenaBytes) }!
            var message = "no plan fits RAM \(ramBudget) B and flash \(flashBudget) B"
            if let maxDrop { message += String(format: " within %.1f points of float", maxDrop * 100) }
            message += String(format: ": the smallest plan (int4 weights where it pays) needs RAM %d B and flash %d B (validation macro-F1 %.3f, float %.3f)",
                              least.arenaBytes, least.flashBytes, least.validationMacroF1, floatValidation)
            throw PrecisionSearchError.budget(message)
        }
        return (front, chosen)
    }
}

/// One choice for one layer in the search: its flash and its (assumed additive) error.
public struct LayerOption: Sendable, Equatable {
    public var precision: PrecisionPlan.WeightPrecision
    public var granularity: PrecisionPlan.Granularity
    public var flashBytes: Int
    public var error: Double

    public init(precision: PrecisionPlan.WeightPrecision, granularity: PrecisionPlan.Granularity = .perChannel, flashBytes: Int,
                error: Double) {
        self.precision = precision
        self.granularity = granularity
        self.flashBytes = flashBytes
        self.error = error
    }
}

/// The choice per layer (an index into its options) of least total error whose flash sums to at
/// most `flashBudget`, by dynamic programming over layers and flash (exact; flash counted in
/// 16-byte units, rounded up, so the budget is never exceeded); nil when even the smallest
/// choices do not fit. Ties go to the smaller flash.
public func cheapestErrorPlan(options: [[LayerOption]], flashBudget: Int) -> [Int]? {
    let unit = 16
    guard flashBudget >= 0 else { return nil }
    let capacity = flashBudget / unit
    let cost = options.map { $0.map { ($0.flashBytes + unit - 1) / unit } }
    // best[c] = (error, choices) using at most c units so far.
    var best = [(error: Double, choice: [Int])?](repeating: nil, count: capacity + 1)
    best[0] = (0, [])
    for (layer, layerOptions) in options.enumerated() {
        var next = [(error: Double, choice: [Int])?](repeating: nil, count: capacity + 1)
        for c in 0...capacity {
            guard let current = best[c] else { continue }
            for (i, option) in layerOptions.enumerated() {
                let used = c + cost[layer][i]
                guard used <= capacity else { continue }
                let error = current.error + option.error
                if next[used] == nil || error < next[used]!.error { next[used] = (error, current.choice + [i]) }
            }
        }
        best = next
    }
    var answer: (error: Double, choice: [Int])?
    // Ascending flash: the first of equal error is the smaller.
    for entry in best { if let entry, answer == nil || entry.error < answer!.error { answer = entry } }
    return answer?.choice
}
