import Models

extension MemoryGraph {
    /// The arena view of a float model's execution description, at `bytesPerElement` bytes per
    /// value (4 for float32). Buffer roles map one to one onto tensor kinds; op types keep the
    /// description's names.
    public init(_ graph: ExecutionGraph, bytesPerElement: Int) {
        let tensors = graph.buffers.map { buffer in
            MemoryTensor(name: buffer.name, bytes: buffer.elements * bytesPerElement, kind: TensorKind(buffer.role))
        }
        let ops = graph.ops.map {
            MemoryOp(name: $0.name, type: OpType(rawValue: $0.type), inputs: $0.inputs, outputs: $0.outputs,
                     scratch: $0.scratch, macs: $0.macs)
        }
        self.init(tensors: tensors, ops: ops)
    }
}

extension TensorKind {
    init(_ role: ExecutionGraph.Role) {
        switch role {
        case .input: self = .input
        case .activation: self = .activation
        case .output: self = .output
        case .scratch: self = .scratch
        case .persistent: self = .persistent
        }
    }
}
