import Compression
import Graph

/// The read-only bytes a model puts in flash, op by op, as the C export lays them out (constant
/// arrays, so nothing is converted at start-up). Integer: each kernel's weights at their bit
/// width, int32 biases, Q31 multipliers with shifts, tables, constants (`IntegerKernel.flashBytes`),
/// the exp table once if any kernel uses it (257 × int16), and the input and output tensors'
/// scale and zero point (8 B each). Float: every parameter at 4 bytes. Code is not counted.
public struct FlashBreakdown: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        /// The op, or "exp table" / "io quantization".
        public var owner: String
        public var bytes: Int
    }

    public var entries: [Entry]

    public var totalBytes: Int { entries.reduce(0) { $0 + $1.bytes } }

    public func bytes(owner: String) -> Int { entries.filter { $0.owner == owner }.reduce(0) { $0 + $1.bytes } }

    public init(_ graph: IntegerGraph) {
        var entries = graph.ops.map { Entry(owner: $0.name, bytes: $0.kernel.flashBytes) }
        let usesExp = graph.ops.contains {
            switch $0.kernel {
            case .attention, .selectiveScan: return true
            default: return false
            }
        }
        if usesExp { entries.append(Entry(owner: "exp table", bytes: IntegerMath.powerOfTwoTable.count * 2)) }
        entries.append(Entry(owner: "io quantization", bytes: 16))
        self.entries = entries
    }

    public init(_ graph: Graph, bytesPerElement: Int) {
        var byOp = [String: Int]()
        for w in graph.weights { byOp[w.name] = w.values.count * bytesPerElement }
        entries = graph.ops.map { op in Entry(owner: op.name, bytes: op.kind.weightNames.reduce(0) { $0 + (byOp[$1] ?? 0) }) }
    }
}
