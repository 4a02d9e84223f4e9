/// What the arena planner sees of a model: tensors with byte sizes and ops in execution order.
///
/// Weights and biases live in flash and are not tensors here; only what occupies RAM while the
/// model runs is.
public struct MemoryGraph: Sendable, Codable, Equatable {
    public var tensors: [MemoryTensor]
    /// Ops in execution order; an op's index is its step.
    public var ops: [MemoryOp]

    public init(tensors: [MemoryTensor], ops: [MemoryOp]) {
        self.tensors = tensors
        self.ops = ops
    }

    public var totalMACs: Int { ops.reduce(0) { $0 + $1.macs } }
}

/// How a tensor's lifetime is decided (see `MemoryGraph.lifetimes()`).
public enum TensorKind: String, Sendable, Codable {
    /// A graph input: live from step 0 to its last use.
    case input
    /// An intermediate: live from the step of the op producing it to its last use.
    case activation
    /// A graph output: live from the step of the op producing it to the last step.
    case output
    /// Working memory of a single op: live during that op's step only.
    case scratch
    /// State kept across invocations (e.g. a recurrent state): never reusable, so it sits in its
    /// own section after the planned head, as TFLite Micro's persistent tail allocations do.
    case persistent
}

public struct MemoryTensor: Sendable, Codable, Equatable {
    public var name: String
    public var bytes: Int
    public var kind: TensorKind

    public init(name: String, bytes: Int, kind: TensorKind) {
        precondition(bytes >= 0, "negative tensor size")
        self.name = name
        self.bytes = bytes
        self.kind = kind
    }
}

/// An op type named as in the TFLite schema, so plans read like a TFLite Micro model dump.
public struct OpType: RawRepresentable, Hashable, Sendable, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let reshape = OpType(rawValue: "RESHAPE")
    public static let fullyConnected = OpType(rawValue: "FULLY_CONNECTED")
    public static let add = OpType(rawValue: "ADD")
}

public struct MemoryOp: Sendable, Codable, Equatable {
    public var name: String
    public var type: OpType
    /// Names of the tensors read.
    public var inputs: [String]
    /// Names of the tensors written.
    public var outputs: [String]
    /// Names of this op's scratch tensors.
    public var scratch: [String]
    /// Multiply-accumulates per invocation (0 for data movement such as RESHAPE).
    public var macs: Int
    /// An elementwise op may write its first output over its first input when that input dies
    /// here and has the same size (the planner then gives both one buffer).
    public var inPlace: Bool

    public init(name: String, type: OpType, inputs: [String], outputs: [String], scratch: [String] = [], macs: Int = 0,
                inPlace: Bool = false) {
        self.name = name
        self.type = type
        self.inputs = inputs
        self.outputs = outputs
        self.scratch = scratch
        self.macs = macs
        self.inPlace = inPlace
    }
}
