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
///
/// One step beyond TFLM: an op marked `inPlace` whose first input dies at it and has its output's
/// size writes over that input; the two are placed as one buffer (the union of their lifetimes).
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
        let owner = aliases(graph, lifetimes: lifetimes, sizes: sizes)
        // A buffer's lifetime is the union of the tensors sharing it.
        var spans = lifetimes
        for t in graph.tensors.indices where owner[t] != t {
            let o = owner[t]
            spans[o] = TensorLifetime(first: min(spans[o].first, lifetimes[t].first), last: max(spans[o].last, lifetimes[t].last))
        }
        let head = graph.tensors.indices.filter { graph.tensors[$0].kind != .persistent && owner[$0] == $0 }
        var offsets = [Int](repeating: 0, count: graph.tensors.count)

        // Swift's sort is stable, so equal sizes keep declaration order.
        let bySize = head.sorted { sizes[$0] > sizes[$1] }
        var placed: [Int] = []
        for t in bySize {
            let neighbours = placed
                .filter { spans[$0].overlaps(spans[t]) }
                .sorted { offsets[$0] < offsets[$1] }
            var candidate = 0
            for n in neighbours {
                if candidate + sizes[t] <= offsets[n] { break }
                candidate = max(candidate, offsets[n] + sizes[n])
            }
            offsets[t] = candidate
            placed.append(t)
        }
        for t in graph.tensors.indices where owner[t] != t { offsets[t] = offsets[owner[t]] }
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
            // Tensors sharing a buffer count once.
            let live = tensors.indices.filter { tensors[$0].lifetime.contains(step) }
                .filter { t in owner[t] == t || !tensors[owner[t]].lifetime.contains(step) }
                .map { tensors[$0] }
            return OpMemory(step: step, name: op.name, type: op.type, macs: op.macs,
                            liveBytes: live.reduce(0) { $0 + $1.alignedBytes },
                            arenaExtent: live.filter { $0.kind != .persistent }.map(\.end).max() ?? 0)
        }
        let peakStep = ops.firstIndex { $0.arenaExtent == headBytes } ?? 0
        return MemoryPlan(alignment: alignment, tensors: tensors, ops: ops, headBytes: headBytes,
                          persistentBytes: persistentBytes, peakStep: peakStep)
    }

    /// For each tensor, the tensor whose buffer it uses (itself unless an in-place op writes it
    /// over an input that dies there).
    private func aliases(_ graph: MemoryGraph, lifetimes: [TensorLifetime], sizes: [Int]) -> [Int] {
        var index = [String: Int]()
        for (i, t) in graph.tensors.enumerated() { index[t.name] = i }
        var owner = Array(graph.tensors.indices)
        for (step, op) in graph.ops.enumerated() where op.inPlace {
            guard let input = op.inputs.first.flatMap({ index[$0] }), let output = op.outputs.first.flatMap({ index[$0] }) else { continue }
            let kinds: Set<TensorKind> = [.activation, .input]
            guard kinds.contains(graph.tensors[input].kind), graph.tensors[output].kind == .activation,
                  lifetimes[input].last == step, sizes[input] == sizes[output],
                  // Another reader of the same step would see the overwritten values.
                  op.inputs.dropFirst().allSatisfy({ $0 != op.inputs[0] }) else { continue }
            owner[output] = owner[input]
        }
        return owner
    }
}
