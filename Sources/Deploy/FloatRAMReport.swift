import Models

/// A float model's RAM on the chip, planned twice: windowed (one invocation holds a whole
/// [T, F] window) and streaming (one invocation per step, state kept between steps), per layer.
///
/// Each plan is the greedy arena plan of the model's `ExecutionGraph` at `bytesPerElement`;
/// a layer's figure is the largest live total (persistent state included) over its ops, and
/// the arena is head + persistent section, as for the int8 plan. Flash is the weights at the
/// same precision (parameters · bytesPerElement); code is not counted.
public struct FloatRAMReport: Sendable, Codable, Equatable {
    public struct Plan: Sendable, Codable, Equatable {
        /// headBytes + persistentBytes: what the arena must hold.
        public var arenaBytes: Int
        public var headBytes: Int
        public var persistentBytes: Int
        /// The layer of the op that first reaches the head's peak.
        public var peakLayer: String
        /// Per invocation: a window (windowed) or a step (streaming).
        public var macs: Int
    }

    public struct Layer: Sendable, Codable, Equatable {
        public var name: String
        /// Largest live bytes over the layer's ops; nil when the mode has no op in this layer
        /// (streaming with `last` pooling needs no pooling op).
        public var windowedBytes: Int?
        public var streamingBytes: Int?
        public var isWindowedPeak: Bool
        public var isStreamingPeak: Bool
    }

    public struct StateTensor: Sendable, Codable, Equatable {
        public var name: String
        public var bytes: Int
    }

    /// e.g. "float32".
    public var precision: String
    public var parameters: Int
    public var flashBytes: Int
    /// Window length T the windowed plan is for.
    public var steps: Int
    public var windowed: Plan
    public var streaming: Plan
    /// What streaming keeps between steps (none of it grows with T).
    public var streamingState: [StateTensor]
    /// Union of both modes' layers, in execution order.
    public var layers: [Layer]

    public init(_ model: ClassifierModel & ExecutionDescribing, steps: Int, precision: String = "float32",
                bytesPerElement: Int = 4, planner: GreedyMemoryPlanner = GreedyMemoryPlanner()) throws {
        let windowedGraph = model.executionGraph(.windowed), streamingGraph = model.executionGraph(.streaming)
        let windowedPlan = try planner.plan(MemoryGraph(windowedGraph, bytesPerElement: bytesPerElement))
        let streamingPlan = try planner.plan(MemoryGraph(streamingGraph, bytesPerElement: bytesPerElement))
        func summary(_ plan: MemoryPlan, _ graph: ExecutionGraph) -> Plan {
            Plan(arenaBytes: plan.arenaBytes, headBytes: plan.headBytes, persistentBytes: plan.persistentBytes,
                 peakLayer: graph.ops[plan.peakStep].layer, macs: graph.totalMACs)
        }
        func perLayer(_ plan: MemoryPlan, _ graph: ExecutionGraph) -> [String: Int] {
            var bytes = [String: Int]()
            for (op, memory) in zip(graph.ops, plan.ops) { bytes[op.layer] = max(bytes[op.layer] ?? 0, memory.liveBytes) }
            return bytes
        }
        self.precision = precision
        parameters = model.parameterCount
        flashBytes = model.parameterCount * bytesPerElement
        self.steps = steps
        let windowed = summary(windowedPlan, windowedGraph), streaming = summary(streamingPlan, streamingGraph)
        self.windowed = windowed
        self.streaming = streaming
        streamingState = streamingPlan.tensors.filter { $0.kind == .persistent }.map { StateTensor(name: $0.name, bytes: $0.bytes) }
        let windowedLayers = perLayer(windowedPlan, windowedGraph), streamingLayers = perLayer(streamingPlan, streamingGraph)
        let order = windowedGraph.layers + streamingGraph.layers.filter { !windowedGraph.layers.contains($0) }
        layers = order.map { name in
            Layer(name: name, windowedBytes: windowedLayers[name], streamingBytes: streamingLayers[name],
                  isWindowedPeak: name == windowed.peakLayer, isStreamingPeak: name == streaming.peakLayer)
        }
    }
}
