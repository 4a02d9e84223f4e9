/// Arena placement by size, first fit — the algorithm of TensorFlow Lite Micro's
/// `GreedyMemoryPlanner`, re-derived here:
///
/// 1. every head tensor's size is rounded up to `alignment` (TFLM aligns to 16 bytes);
/// 2. tensors are taken largest first, ties in declaration order (TFLM's sort is stable);
/// 3. each goes at the lowest offset where it overlaps no already-placed tensor whose lifetime
///    intersects its own — candidates are 0 and the ends of those tensors, in offset order.
///
/// Greedy, not optimal: a different order can sometimes pack tighter, but matching TFLM keeps
/// our figure equal to what the chip's arena will need.
public struct GreedyMemoryPlanner: Sendable {
    public var alignment: Int

    public init(alignment: Int = 16) {
        precondition(alignment > 0, "alignment must be positive")
        self.alignment = alignment
    }

    public func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }

    public func plan(_ graph: MemoryGraph) throws -> MemoryPlan {
        let lifetimes = try graph.lifetimes()
        let sizes = graph.tensors.map { aligned($0.bytes) }
        let head = graph.tensors.indices.filter { graph.tensors[$0].kind != .persistent }
        var offsets = [Int](repeating: 0, count: graph.tensors.count)

        // Swift's sort is stable, so equal sizes keep declaration order.
        let bySize = head.sorted { sizes[$0] > sizes[$1] }
        var placed: [Int] = []
        for t in bySize {
            let neighbours = placed
                .filter { lifetimes[$0].overlaps(lifetimes[t]) }
                .sorted { offsets[$0] < offsets[$1] }
            var candidate = 0
            for n in neighbours {
                if candidate + sizes[t] <= offsets[n] { break }
                candidate = max(candidate, offsets[n] + sizes[n])
            }
            offsets[t] = candidate
            placed.append(t)
        }
        let headBytes = head.map { offsets[$0] + sizes[$0] }.max() ?? 0

        var persistentBytes = 0
        for t in graph.tensors.indices where graph.tensors[t].kind == .persistent {
            offsets[t] = headBytes + persistentBytes
            persistentBytes += sizes[t]
        }

        let tensors = graph.tensors.indices.map { t in
            PlannedTensor(name: graph.tensors[t].name, kind: graph.tensors[t].kind, bytes: graph.tensors[t].bytes,
                          alignedBytes: sizes[t], offset: offsets[t], lifetime: lifetimes[t])
        }
        let ops = graph.ops.enumerated().map { step, op in
            let live = tensors.filter { $0.lifetime.contains(step) }
            return OpMemory(step: step, name: op.name, type: op.type, macs: op.macs,
                            liveBytes: live.reduce(0) { $0 + $1.alignedBytes },
                            arenaExtent: live.filter { $0.kind != .persistent }.map(\.end).max() ?? 0)
        }
        let peakStep = ops.firstIndex { $0.arenaExtent == headBytes } ?? 0
        return MemoryPlan(alignment: alignment, tensors: tensors, ops: ops, headBytes: headBytes,
                          persistentBytes: persistentBytes, peakStep: peakStep)
    }
}
