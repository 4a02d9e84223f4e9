import Compression
import Graph

extension MemoryGraph {
    /// The arena view of a float graph at `bytesPerElement` (4 for float32). Elementwise ops may
    /// work in place; kernels' working memory is a scratch tensor "<op>.scratch": a row of
    /// attention scores (T values), the windowed scan's state (E·N), the LSTM's gates and states.
    public init(_ graph: Graph, bytesPerElement: Int) {
        let shapes = Dictionary(uniqueKeysWithValues: graph.tensors.map { ($0.name, $0) })
        var tensors = graph.tensors.map { MemoryTensor(name: $0.name, bytes: $0.elements * bytesPerElement, kind: TensorKind($0.role)) }
        var ops: [MemoryOp] = []
        for op in graph.ops {
            var scratchElements = 0
            switch op.kind {
            case .attention: scratchElements = shapes[op.inputs[1].tensor]!.rows
            case .selectiveScan where op.inputs.count == 4:
                scratchElements = shapes[op.outputs[0]]!.columns * (op.inputs[2].columns ?? 0)
            case .lstm: scratchElements = 6 * shapes[op.outputs[0]]!.columns
            default: break
            }
            var scratch: [String] = []
            if scratchElements > 0 {
                tensors.append(MemoryTensor(name: "\(op.name).scratch", bytes: scratchElements * bytesPerElement, kind: .scratch))
                scratch = ["\(op.name).scratch"]
            }
            ops.append(MemoryOp(name: op.name, type: OpType(rawValue: op.kind.typeName), inputs: op.inputs.map(\.tensor),
                                outputs: op.outputs, scratch: scratch, macs: op.macs, inPlace: op.kind.isElementwise))
        }
        self.init(tensors: tensors, ops: ops)
    }

    /// The arena view of an integer graph: each tensor at its own bit width, each kernel's
    /// scratch as it declares it.
    public init(_ graph: IntegerGraph) {
        var tensors = graph.tensors.map { MemoryTensor(name: $0.name, bytes: $0.bytes, kind: TensorKind($0.role)) }
        var ops: [MemoryOp] = []
        for op in graph.ops {
            var scratch: [String] = []
            if op.scratchBytes > 0 {
                tensors.append(MemoryTensor(name: "\(op.name).scratch", bytes: op.scratchBytes, kind: .scratch))
                scratch = ["\(op.name).scratch"]
            }
            ops.append(MemoryOp(name: op.name, type: OpType(rawValue: op.kernel.typeName), inputs: op.inputs.map(\.tensor),
                                outputs: op.outputs, scratch: scratch, macs: op.macs, inPlace: op.kernel.isElementwise))
        }
        self.init(tensors: tensors, ops: ops)
    }
}

extension TensorKind {
    init(_ role: GraphTensor.Role) {
        switch role {
        case .input: self = .input
        case .activation: self = .activation
        case .output: self = .output
        case .persistent: self = .persistent
        }
    }
}

extension OpKind {
    /// One output value from the same position of each input: may overwrite its input.
    var isElementwise: Bool {
        switch self {
        case .add, .addWeight, .mul, .unary: return true
        default: return false
        }
    }
}

extension IntegerKernel {
    var isElementwise: Bool {
        switch self {
        case .add, .addConstant, .mul, .table: return true
        default: return false
        }
    }
}
