/// How a float model runs on a chip at batch 1, as plain data: the buffers it needs (element
/// counts, not bytes — the precision is the planner's choice) and its ops in execution order.
///
/// Models describe themselves with it; Deploy turns it into a `MemoryGraph` and plans the arena
/// (Models cannot see Deploy's types). Weights are not buffers here: they live in flash.
public struct ExecutionGraph: Sendable, Codable, Equatable {
    /// What a buffer is for, which decides its lifetime in the arena plan.
    public enum Role: String, Sendable, Codable {
        /// The model's input, written by the caller before the first op.
        case input
        /// Written by one op, read by later ones.
        case activation
        /// The model's result, live to the end.
        case output
        /// Working memory of one op only.
        case scratch
        /// Kept across invocations (a recurrent state, a conv history, a running sum).
        case persistent
    }

    public struct Buffer: Sendable, Codable, Equatable {
        public var name: String
        public var elements: Int
        public var role: Role

        public init(name: String, elements: Int, role: Role) {
            self.name = name
            self.elements = elements
            self.role = role
        }
    }

    public struct Op: Sendable, Codable, Equatable {
        public var name: String
        /// The model layer the op belongs to ("embed", "block0", "head"…): per-layer RAM is the
        /// largest live total over that layer's ops.
        public var layer: String
        /// Named as in the TFLite schema where one exists (FULLY_CONNECTED), else descriptive.
        public var type: String
        public var inputs: [String]
        public var outputs: [String]
        public var scratch: [String]
        public var macs: Int

        public init(name: String, layer: String, type: String, inputs: [String], outputs: [String],
                    scratch: [String] = [], macs: Int = 0) {
            self.name = name
            self.layer = layer
            self.type = type
            self.inputs = inputs
            self.outputs = outputs
            self.scratch = scratch
            self.macs = macs
        }
    }

    public var buffers: [Buffer]
    public var ops: [Op]

    public init(buffers: [Buffer] = [], ops: [Op] = []) {
        self.buffers = buffers
        self.ops = ops
    }

    /// Layer names in order of first appearance.
    public var layers: [String] {
        var seen = Set<String>()
        return ops.map(\.layer).filter { seen.insert($0).inserted }
    }

    public var persistentElements: Int { buffers.filter { $0.role == .persistent }.reduce(0) { $0 + $1.elements } }
    public var totalMACs: Int { ops.reduce(0) { $0 + $1.macs } }

    /// Adds a buffer and returns its name (so descriptions read as a chain of calls).
    @discardableResult
    public mutating func buffer(_ name: String, _ elements: Int, _ role: Role = .activation) -> String {
        buffers.append(Buffer(name: name, elements: elements, role: role))
        return name
    }

    public mutating func op(_ name: String, layer: String, type: String, inputs: [String], outputs: [String],
                            scratch: [String] = [], macs: Int = 0) {
        ops.append(Op(name: name, layer: layer, type: type, inputs: inputs, outputs: outputs, scratch: scratch, macs: macs))
    }
}

/// Whether the model sees a whole window per invocation or one step of it.
public enum ExecutionMode: String, Sendable, Codable, CaseIterable {
    /// One invocation per window [T, F]: every activation holds T rows.
    case windowed
    /// One invocation per step [F], with state carried between steps; sizes do not depend on T.
    case streaming
}

/// A float model that can say how it runs on a chip.
public protocol ExecutionDescribing {
    func executionGraph(_ mode: ExecutionMode) -> ExecutionGraph
}
