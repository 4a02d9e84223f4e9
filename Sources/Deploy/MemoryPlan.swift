/// Where every tensor sits in the arena and what each op keeps live.
///
/// The arena is a planned head (inputs, activations, outputs, scratch; reused across steps) followed
/// by a persistent section. `headBytes` = max(offset + alignedBytes) over the head — the figure
/// TFLite Micro's greedy planner reports — and `arenaBytes` = headBytes + persistentBytes.
public struct MemoryPlan: Sendable, Codable, Equatable {
    public var alignment: Int
    /// In `MemoryGraph.tensors` order.
    public var tensors: [PlannedTensor]
    /// In execution order.
    public var ops: [OpMemory]
    public var headBytes: Int
    public var persistentBytes: Int
    public var arenaBytes: Int { headBytes + persistentBytes }
    /// The first op whose live head buffers reach `headBytes`.
    public var peakStep: Int

    public var peakOp: OpMemory { ops[peakStep] }
}

public struct PlannedTensor: Sendable, Codable, Equatable {
    public var name: String
    public var kind: TensorKind
    public var bytes: Int
    /// bytes rounded up to the plan's alignment; what the tensor occupies.
    public var alignedBytes: Int
    /// Byte offset from the arena start (persistent tensors: inside the section after the head).
    public var offset: Int
    public var lifetime: TensorLifetime

    public var end: Int { offset + alignedBytes }
}

public struct OpMemory: Sendable, Codable, Equatable {
    public var step: Int
    public var name: String
    public var type: OpType
    public var macs: Int
    /// Σ alignedBytes of every tensor live at this step, persistent ones included.
    public var liveBytes: Int
    /// max(offset + alignedBytes) over the head tensors live at this step: how far into the arena
    /// this op reaches. Can exceed the head's live bytes when the layout leaves holes.
    public var arenaExtent: Int
}
