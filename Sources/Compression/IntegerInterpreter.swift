import Graph

/// Runs an `IntegerGraph`: the reference integer engine (the exported C must equal it byte for
/// byte). Float appears only at the two boundaries, `quantizeInput` and `dequantize`.
public final class IntegerInterpreter {
    public let graph: IntegerGraph
    private var values: [[Int32]]
    private let index: [String: Int]
    /// Per op, the fully connected kernels' weight sums (computed once).
    private let weightSums: [[Int32]]
    /// Per float island op, its float interpreter.
    private let islands: [String: FloatInterpreter]

    public init(_ graph: IntegerGraph) {
        self.graph = graph
        weightSums = graph.ops.map { op in
            if case .fullyConnected(let k) = op.kernel { return k.weightSums }
            return []
        }
        var islands = [String: FloatInterpreter]()
        for op in graph.ops {
            // The island's graph was built by the quantizer from a valid graph: it always opens.
            if case .floatIsland(let island) = op.kernel { islands[op.name] = try! FloatInterpreter(island.graph) }
        }
        self.islands = islands
        var index = [String: Int]()
        for (i, t) in graph.tensors.enumerated() { index[t.name] = i }
        self.index = index
        values = graph.tensors.map { [Int32](repeating: $0.quantization.zeroPoint, count: $0.elements) }
    }

    /// Sets every persistent tensor to real 0: the next step starts a new window.
    public func reset() {
        for (i, t) in graph.tensors.enumerated() where t.role == .persistent {
            values[i] = [Int32](repeating: t.quantization.zeroPoint, count: t.elements)
        }
    }

    public func quantizeInput(_ x: [Float]) -> [Int32] { x.map(graph.input.quantization.quantize) }

    public func dequantize(_ q: [Int32], tensor: String) -> [Float] {
        let quantization = graph.tensor(tensor)!.quantization
        return q.map(quantization.dequantize)
    }

    /// One invocation on quantized input codes; returns the output tensor's codes.
    @discardableResult
    public func run(_ input: [Int32]) -> [Int32] {
        let i = index[graph.input.name]!
        precondition(input.count == graph.tensors[i].elements, "input has \(input.count) values, needs \(graph.tensors[i].elements)")
        values[i] = input
        for (i, op) in graph.ops.enumerated() { execute(op, weightSums: weightSums[i]) }
        return values[index[graph.output.name]!]
    }

    /// The codes a tensor holds after a run.
    public func values(of tensor: String) -> [Int32] { values[index[tensor]!] }

    /// The index of the largest output code (the predicted room); ties to the first.
    public func predict(_ window: [Float]) -> Int {
        let logits = run(quantizeInput(window))
        var best = 0
        for c in logits.indices where logits[c] > logits[best] { best = c }
        return best
    }

    private func read(_ operand: Operand) -> (values: [Int32], rows: Int, columns: Int) {
        let i = index[operand.tensor]!
        let t = graph.tensors[i]
        let columns = operand.columns ?? (t.columns - operand.columnOffset)
        if columns == t.columns { return (values[i], t.rows, columns) }
        var out = [Int32](repeating: 0, count: t.rows * columns)
        values[i].withUnsafeBufferPointer { v in
            for r in 0..<t.rows {
                for c in 0..<columns { out[r * columns + c] = v[r * t.columns + operand.columnOffset + c] }
            }
        }
        return (out, t.rows, columns)
    }

    private func execute(_ op: IntegerOp, weightSums: [Int32]) {
        let out = index[op.outputs[0]]!
        let x = read(op.inputs[0])
        switch op.kernel {
        case .fullyConnected(let k): values[out] = k.run(x.values, rows: x.rows, weightSums: weightSums)
        case .add(let k): values[out] = k.run(x.values, read(op.inputs[1]).values)
        case .addConstant(let k, let constant): values[out] = k.run(x.values, constant)
        case .mul(let k): values[out] = k.run(x.values, read(op.inputs[1]).values)
        case .table(let k): values[out] = k.run(x.values)
        case .layerNorm(let k), .rmsNorm(let k): values[out] = k.run(x.values, rows: x.rows)
        case .attention(let k):
            let key = read(op.inputs[1])
            values[out] = k.run(query: x.values, key: key.values, value: read(op.inputs[2]).values, keys: key.rows)
        case .conv1d(let k): values[out] = k.run(x.values, rows: x.rows, outputRows: graph.tensors[out].rows)
        case .interleave(let requantizers):
            let n = requantizers.count, c = x.columns
            var y = [Int32](repeating: 0, count: graph.tensors[out].elements)
            for (i, k) in requantizers.enumerated() {
                let input = read(op.inputs[i])
                for t in 0..<input.rows { for j in 0..<c { y[(t * n + i) * c + j] = k.apply(input.values[t * c + j] - k.inputZero) } }
            }
            values[out] = y
        case .meanRows(let k): values[out] = k.mean(x.values, rows: x.rows, columns: x.columns)
        case .lastRow: values[out] = Array(x.values[((x.rows - 1) * x.columns)...])
        case .maxPool(let size):
            let rows = graph.tensors[out].rows
            values[out] = (0..<(rows * x.columns)).map { i in
                let t = i / x.columns, c = i % x.columns
                return (0..<size).map { x.values[(t * size + $0) * x.columns + c] }.max()!
            }
        case .depthwiseConv(let k):
            if op.inputs.count > 1 {
                let history = read(op.inputs[1])
                let joined = history.values + x.values
                values[out] = k.run(joined, rows: x.rows, history: history.rows)
                values[index[op.inputs[1].tensor]!] = Array(joined[(x.rows * x.columns)...])
            } else {
                values[out] = k.run(x.values, rows: x.rows, history: 0)
            }
        case .selectiveScan(let k):
            let delta = read(op.inputs[1]).values, b = read(op.inputs[2]).values, c = read(op.inputs[3]).values
            if op.inputs.count > 4 {
                let s = index[op.inputs[4].tensor]!
                values[out] = k.run(u: x.values, delta: delta, b: b, c: c, rows: x.rows, state: &values[s])
            } else {
                var state = [Int32](repeating: 0, count: k.channels * k.stateSize)
                values[out] = k.run(u: x.values, delta: delta, b: b, c: c, rows: x.rows, state: &state)
            }
        case .lstm(let k): values[out] = k.run(x.values, rows: x.rows)
        case .floatIsland(let island):
            let y = islands[op.name]!.run(x.values.map(island.input.dequantize))
            values[out] = y.map(island.output.quantize)
        case .runningMean(let k):
            let s = index[op.inputs[1].tensor]!
            for j in values[s].indices { values[s][j] &+= x.values[j] - k.inputZero }
            values[out] = values[s].map { k.apply($0) }
        }
    }
}
