import Compression
import Graph

/// The one RAM (and flash) report of a model at one precision and execution mode: the arena plan
/// of its graph, per op and per layer, what is live at each op, and which op sets the peak.
/// The same type serves float32 and integer graphs, windowed and streaming; reports, the headless
/// summary and the workbench panes all read it.
public struct RAMReport: Sendable, Codable, Equatable {
    public struct Op: Sendable, Codable, Equatable {
        public var name: String
        public var layer: String
        public var type: String
        /// Σ aligned bytes of the buffers live at this op, persistent ones included.
        public var liveBytes: Int
        /// How far into the arena's head this op reaches.
        public var arenaExtent: Int
        public var macs: Int
        public var isPeak: Bool
        /// The tensors live at this op (persistent ones included).
        public var live: [String]
    }

    public struct Layer: Sendable, Codable, Equatable {
        public var name: String
        /// The largest live total over the layer's ops.
        public var bytes: Int
        public var isPeak: Bool
    }

    public struct StateTensor: Sendable, Codable, Equatable {
        public var name: String
        public var bytes: Int
    }

    /// "int8", "int8+int16" or "float32".
    public var precision: String
    public var mode: ExecutionMode
    /// headBytes + persistentBytes: what the arena must hold.
    public var arenaBytes: Int
    public var headBytes: Int
    public var persistentBytes: Int
    public var peakOp: String
    public var peakLayer: String
    public var macs: Int
    public var flashBytes: Int
    public var flash: FlashBreakdown
    public var ops: [Op]
    public var layers: [Layer]
    /// What stays between invocations (streaming state).
    public var state: [StateTensor]
    /// The temporal decoder run after the model, its own line: static arrays beside the arena.
    public var decoder: DecoderLine?

    public struct DecoderLine: Sendable, Codable, Equatable {
        public var name: String
        public var ramBytes: Int
        public var flashBytes: Int

        public init(name: String, ramBytes: Int, flashBytes: Int) {
            self.name = name
            self.ramBytes = ramBytes
            self.flashBytes = flashBytes
        }
    }

    /// RAM the chip needs: the arena plus the decoder's arrays.
    public var totalRAMBytes: Int { arenaBytes + (decoder?.ramBytes ?? 0) }

    /// This plan with `decoder` run after the model.
    public func adding(_ decoder: ChipDecoder) -> RAMReport {
        var report = self
        report.decoder = DecoderLine(name: "decoder \(decoder.name)", ramBytes: decoder.ramBytes, flashBytes: decoder.flashBytes)
        return report
    }

    /// The peak op is the first with the most live bytes (its live tensors are what the arena
    /// must hold at once); `arenaBytes` can exceed that by the holes the greedy placement leaves.
    init(plan: MemoryPlan, layers opLayers: [String], precision: String, mode: ExecutionMode, flash: FlashBreakdown) {
        let most = plan.ops.map(\.liveBytes).max() ?? 0
        let peakStep = plan.ops.firstIndex { $0.liveBytes == most } ?? 0
        self.precision = precision
        self.mode = mode
        arenaBytes = plan.arenaBytes
        headBytes = plan.headBytes
        persistentBytes = plan.persistentBytes
        peakOp = plan.ops[peakStep].name
        peakLayer = opLayers[peakStep]
        macs = plan.ops.reduce(0) { $0 + $1.macs }
        self.flash = flash
        flashBytes = flash.totalBytes
        ops = plan.ops.enumerated().map { step, op in
            Op(name: op.name, layer: opLayers[step], type: op.type.rawValue, liveBytes: op.liveBytes, arenaExtent: op.arenaExtent,
               macs: op.macs, isPeak: step == peakStep,
               live: plan.tensors.filter { $0.lifetime.contains(step) }.map(\.name))
        }
        var order: [String] = [], bytes = [String: Int]()
        for op in ops {
            if bytes[op.layer] == nil { order.append(op.layer) }
            bytes[op.layer] = max(bytes[op.layer] ?? 0, op.liveBytes)
        }
        let peakLayer = self.peakLayer
        layers = order.map { Layer(name: $0, bytes: bytes[$0]!, isPeak: $0 == peakLayer) }
        state = plan.tensors.filter { $0.kind == .persistent }.map { StateTensor(name: $0.name, bytes: $0.bytes) }
    }

    /// The plan of a float graph at `bytesPerElement` (4: float32).
    public init(float graph: Graph, bytesPerElement: Int = 4, planner: GreedyMemoryPlanner = GreedyMemoryPlanner()) throws {
        let plan = try planner.plan(MemoryGraph(graph, bytesPerElement: bytesPerElement))
        self.init(plan: plan, layers: graph.ops.map(\.layer), precision: "float\(8 * bytesPerElement)", mode: graph.mode,
                  flash: FlashBreakdown(graph, bytesPerElement: bytesPerElement))
    }

    /// The plan of an integer graph, each tensor at its own width.
    public init(integer graph: IntegerGraph, planner: GreedyMemoryPlanner = GreedyMemoryPlanner()) throws {
        let plan = try planner.plan(MemoryGraph(graph))
        let widths = Set(graph.tensors.filter { $0.role != .persistent }.map(\.quantization.bits)).sorted()
        self.init(plan: plan, layers: graph.ops.map(\.layer), precision: widths.map { "int\($0)" }.joined(separator: "+"),
                  mode: graph.mode, flash: FlashBreakdown(graph))
    }
}
