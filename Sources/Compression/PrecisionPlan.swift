import Graph

/// The precision of each layer, as data: the CLI, the search and the workbench all read and
/// write it (JSON, `variants/<name>.json`, docs/FORMATS.md).
///
/// Layers are the ops that carry a main weight (FULLY_CONNECTED, CONV_1D, DEPTHWISE_CONV, LSTM),
/// named as in the graph. Each may set its weights' precision and scale granularity and its
/// output's precision; anything unset takes the plan's defaults. Every other tensor is stored at
/// `activations`.
public struct PrecisionPlan: Sendable, Codable, Equatable {
    public enum WeightPrecision: String, Sendable, Codable, CaseIterable {
        /// Packed two per byte in flash.
        case int4, int8, int16
        /// Stored as half floats (or floats) and run in float: a declared float island.
        case fp16, float32

        public var bits: Int? {
            switch self {
            case .int4: return 4
            case .int8: return 8
            case .int16: return 16
            case .fp16, .float32: return nil
            }
        }
    }

    public enum ActivationPrecision: String, Sendable, Codable, CaseIterable {
        case int8, int16
        public var bits: Int { self == .int8 ? 8 : 16 }
    }

    public enum Granularity: String, Sendable, Codable, CaseIterable {
        case perChannel = "per-channel", perTensor = "per-tensor"
    }

    public struct Layer: Sendable, Codable, Equatable {
        public var weights: WeightPrecision?
        public var granularity: Granularity?
        public var output: ActivationPrecision?

        public init(weights: WeightPrecision? = nil, granularity: Granularity? = nil, output: ActivationPrecision? = nil) {
            self.weights = weights
            self.granularity = granularity
            self.output = output
        }
    }

    public var calibration: CalibrationMethod
    public var weights: WeightPrecision
    public var granularity: Granularity
    public var activations: ActivationPrecision
    /// Mamba's recurrent state: 16 or 32 bits.
    public var stateBits: Int
    public var layers: [String: Layer]

    public init(calibration: CalibrationMethod = .minmax, weights: WeightPrecision = .int8, granularity: Granularity = .perChannel,
                activations: ActivationPrecision = .int8, stateBits: Int = 16, layers: [String: Layer] = [:]) {
        self.calibration = calibration
        self.weights = weights
        self.granularity = granularity
        self.activations = activations
        self.stateBits = stateBits
        self.layers = layers
    }

    private enum CodingKeys: String, CodingKey { case calibration, weights, granularity, activations, stateBits, layers }

    /// Missing keys take the defaults, so a plan file can name only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        calibration = try c.decodeIfPresent(CalibrationMethod.self, forKey: .calibration) ?? .minmax
        weights = try c.decodeIfPresent(WeightPrecision.self, forKey: .weights) ?? .int8
        granularity = try c.decodeIfPresent(Granularity.self, forKey: .granularity) ?? .perChannel
        activations = try c.decodeIfPresent(ActivationPrecision.self, forKey: .activations) ?? .int8
        stateBits = try c.decodeIfPresent(Int.self, forKey: .stateBits) ?? 16
        layers = try c.decodeIfPresent([String: Layer].self, forKey: .layers) ?? [:]
    }

    /// The presets `compress --preset` offers.
    public static let presets: [String: PrecisionPlan] = [
        "int8": PrecisionPlan(),
        "int8-16x8": PrecisionPlan(activations: .int16),
        "int4-weights": PrecisionPlan(weights: .int4),
        "int4-per-tensor": PrecisionPlan(weights: .int4, granularity: .perTensor),
    ]

    public func weights(of op: String) -> WeightPrecision { layers[op]?.weights ?? weights }
    public func granularity(of op: String) -> Granularity { layers[op]?.granularity ?? granularity }
    /// "int8", "int4 per-tensor", "fp16"…: how a layer's weights are stored under this plan.
    public func weightsDescription(of op: String) -> String {
        weights(of: op).rawValue + (granularity(of: op) == .perTensor ? " per-tensor" : "")
    }

    /// The ops a plan may name: those with one main weight.
    public static func layerNames(of graph: Graph) -> [String] {
        graph.ops.filter { $0.kind.hasMainWeight }.map(\.name)
    }

    /// Bits per activation tensor: the plan's default, and each named layer's output.
    public func activationBits(for graph: Graph) -> [String: Int] {
        var bits = [String: Int]()
        for t in graph.tensors where t.role != .persistent { bits[t.name] = activations.bits }
        for op in graph.ops { if let output = layers[op.name]?.output { bits[op.outputs[0]] = output.bits } }
        return bits
    }

    /// Refuses what this graph cannot run, naming the field: a layer the model lacks, a precision
    /// an op has no kernel for, a state width other than 16 or 32.
    public func validate(for graph: Graph) throws {
        guard stateBits == 16 || stateBits == 32 else {
            throw PlanError.invalid(field: "stateBits", "must be 16 or 32, not \(stateBits)")
        }
        let ops = Dictionary(uniqueKeysWithValues: graph.ops.map { ($0.name, $0) })
        for name in layers.keys.sorted() {
            guard let op = ops[name] else {
                throw PlanError.invalid(field: "layers.\(name)", "the \(graph.name) model has no such layer (its layers: "
                                        + Self.layerNames(of: graph).joined(separator: ", ") + ")")
            }
            guard op.kind.hasMainWeight || (layers[name]?.weights == nil && layers[name]?.granularity == nil) else {
                throw PlanError.invalid(field: "layers.\(name).weights", "\(op.kind.typeName) has no weights to set")
            }
        }
        for op in graph.ops where op.kind.hasMainWeight {
            let precision = weights(of: op.name)
            let field = layers[op.name]?.weights != nil ? "layers.\(op.name).weights" : "weights"
            switch (precision, op.kind) {
            case (.int16, .fullyConnected), (.int4, _), (.int8, _): break
            case (.int16, _):
                throw PlanError.invalid(field: field, "int16 weights run in FULLY_CONNECTED only, not \(op.kind.typeName) (\(op.name))")
            case (.fp16, .causalDepthwiseConv), (.float32, .causalDepthwiseConv):
                throw PlanError.invalid(field: field, "\(op.name) (DEPTHWISE_CONV) has no float island; use int4 or int8")
            case (.fp16, _), (.float32, _): break
            }
        }
    }
}

public enum PlanError: Error, Equatable, CustomStringConvertible {
    case invalid(field: String, String)

    public var description: String {
        switch self {
        case .invalid(let field, let message): return "precision plan, \(field): \(message)"
        }
    }
}

extension OpKind {
    /// Ops whose precision a plan chooses: those with one main weight matrix.
    public var hasMainWeight: Bool {
        switch self {
        case .fullyConnected, .conv1d, .causalDepthwiseConv, .lstm: return true
        default: return false
        }
    }
}
