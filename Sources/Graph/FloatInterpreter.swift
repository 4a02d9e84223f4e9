import Foundation

/// Runs a graph in float32 at batch 1: the definition of what each op computes, against which
/// every model's lowering (to 1e-5) and every integer kernel are tested.
///
/// Buffers are allocated once, at construction; persistent tensors keep their values across
/// `run` calls until `reset()` (streaming graphs).
public final class FloatInterpreter {
    public let graph: Graph
    private var values: [[Float]]
    private let index: [String: Int]
    private let weights: [String: [Float]]

    public init(_ graph: Graph) throws {
        self.graph = graph
        var index = [String: Int]()
        for (i, t) in graph.tensors.enumerated() { index[t.name] = i }
        self.index = index
        var weights = [String: [Float]]()
        for w in graph.weights { weights[w.name] = w.values }
        self.weights = weights
        values = graph.tensors.map { [Float](repeating: 0, count: $0.elements) }
        try Self.check(graph, index: index, weights: weights)
    }

    /// Zeroes every persistent tensor: the next step starts a new window.
    public func reset() {
        for (i, t) in graph.tensors.enumerated() where t.role == .persistent {
            for j in values[i].indices { values[i][j] = 0 }
        }
    }

    /// Runs once on `input` (the graph's one input, row-major) and returns the output tensor.
    /// `observe` sees every tensor an op writes, and the internal states of scans ("<op>.state")
    /// and LSTMs ("<op>.cell"), as calibration needs them.
    @discardableResult
    public func run(_ input: [Float], observe: ((String, ArraySlice<Float>) -> Void)? = nil) -> [Float] {
        guard let inputTensor = graph.inputs.first, let inputIndex = index[inputTensor.name] else { return [] }
        precondition(input.count == inputTensor.elements, "input has \(input.count) values, \(inputTensor.name) needs \(inputTensor.elements)")
        values[inputIndex] = input
        observe?(inputTensor.name, input[...])
        for op in graph.ops {
            execute(op, observe: observe)
            if let observe {
                for name in op.outputs { observe(name, values[index[name]!][...]) }
            }
        }
        return values[index[graph.outputs[0].name]!]
    }

    /// The current values of a tensor (after a run).
    public func values(of tensor: String) -> [Float] { values[index[tensor]!] }

    // MARK: ops

    private struct View {
        var tensor: Int
        var offset: Int
        var columns: Int
        var stride: Int
        var rows: Int
    }

    private func view(_ operand: Operand) -> View {
        let i = index[operand.tensor]!
        let t = graph.tensors[i]
        return View(tensor: i, offset: operand.columnOffset, columns: operand.columns ?? (t.columns - operand.columnOffset),
                    stride: t.columns, rows: t.rows)
    }

    private func read(_ v: View) -> [Float] {
        if v.columns == v.stride { return values[v.tensor] }
        var out = [Float](repeating: 0, count: v.rows * v.columns)
        for r in 0..<v.rows {
            for c in 0..<v.columns { out[r * v.columns + c] = values[v.tensor][r * v.stride + v.offset + c] }
        }
        return out
    }

    private func execute(_ op: GraphOp, observe: ((String, ArraySlice<Float>) -> Void)?) {
        let out = index[op.outputs[0]]!
        let outTensor = graph.tensors[out]
        let views = op.inputs.map(view)
        switch op.kind {
        case .fullyConnected(let weightName, let biasName, let relu, let flatten):
            let x = read(views[0])
            let w = weights[weightName]!, b = biasName.flatMap { weights[$0] }
            let rows = flatten ? 1 : views[0].rows, n = flatten ? x.count : views[0].columns, m = outTensor.columns
            var y = [Float](repeating: 0, count: rows * m)
            for r in 0..<rows {
                for o in 0..<m {
                    var acc: Float = b?[o] ?? 0
                    for i in 0..<n { acc += x[r * n + i] * w[i * m + o] }
                    y[r * m + o] = relu ? max(0, acc) : acc
                }
            }
            values[out] = y
        case .add:
            let a = read(views[0]), b = read(views[1])
            values[out] = zip(a, b).map { $0 + $1 }
        case .addWeight(let name):
            values[out] = zip(read(views[0]), weights[name]!).map { $0 + $1 }
        case .mul:
            values[out] = zip(read(views[0]), read(views[1])).map { $0 * $1 }
        case .unary(let f):
            values[out] = read(views[0]).map { Float(FloatFunctions.apply(f, Double($0))) }
        case .layerNorm(let gammaName, let betaName, let epsilon):
            let x = read(views[0]), g = weights[gammaName]!, b = weights[betaName]!, c = views[0].columns
            var y = x
            for r in 0..<views[0].rows {
                let row = x[(r * c)..<((r + 1) * c)]
                let mean = row.reduce(0, +) / Float(c)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(c)
                let rstd = 1 / (variance + epsilon).squareRoot()
                for j in 0..<c { y[r * c + j] = (x[r * c + j] - mean) * rstd * g[j] + b[j] }
            }
            values[out] = y
        case .rmsNorm(let weightName, let epsilon):
            let x = read(views[0]), w = weights[weightName]!, c = views[0].columns
            var y = x
            for r in 0..<views[0].rows {
                var sum: Float = 0
                for j in 0..<c { sum += x[r * c + j] * x[r * c + j] }
                let s = 1 / (sum / Float(c) + epsilon).squareRoot()
                for j in 0..<c { y[r * c + j] = x[r * c + j] * s * w[j] }
            }
            values[out] = y
        case .attention(let heads, let queries):
            values[out] = Self.attention(query: read(views[0]), key: read(views[1]), value: read(views[2]), keys: views[1].rows,
                                         queries: queries ?? views[0].rows, width: outTensor.columns, heads: heads)
        case .conv1d(let weightName, let biasName, let k, let stride, let padding):
            let x = read(views[0]), w = weights[weightName]!, b = biasName.flatMap { weights[$0] }
            let cin = views[0].columns, cout = outTensor.columns, rows = views[0].rows
            var y = [Float](repeating: 0, count: outTensor.elements)
            for t in 0..<outTensor.rows {
                for o in 0..<cout {
                    var acc: Float = b?[o] ?? 0
                    for j in 0..<k {
                        let row = t * stride + j - padding
                        guard row >= 0 && row < rows else { continue }
                        for c in 0..<cin { acc += x[row * cin + c] * w[(j * cin + c) * cout + o] }
                    }
                    y[t * cout + o] = acc
                }
            }
            values[out] = y
        case .interleaveRows:
            let n = views.count, c = outTensor.columns
            var y = [Float](repeating: 0, count: outTensor.elements)
            for (i, v) in views.enumerated() {
                let x = read(v)
                for t in 0..<v.rows { for j in 0..<c { y[(t * n + i) * c + j] = x[t * c + j] } }
            }
            values[out] = y
        case .meanRows:
            let x = read(views[0]), c = views[0].columns, t = views[0].rows
            values[out] = (0..<c).map { j in (0..<t).reduce(Float(0)) { $0 + x[$1 * c + j] } / Float(t) }
        case .lastRow:
            let x = read(views[0]), c = views[0].columns
            values[out] = Array(x[((views[0].rows - 1) * c)...])
        case .maxPoolRows(let size):
            let x = read(views[0]), c = views[0].columns
            var y = [Float](repeating: 0, count: outTensor.elements)
            for t in 0..<outTensor.rows {
                for j in 0..<c { y[t * c + j] = (0..<size).map { x[(t * size + $0) * c + j] }.max()! }
            }
            values[out] = y
        case .causalDepthwiseConv(let weightName, let biasName):
            let w = weights[weightName]!, b = weights[biasName]!, c = views[0].columns, k = w.count / c
            var x = read(views[0])
            var rows = views[0].rows
            if views.count > 1 {
                // Streaming: the history (k−1 rows) precedes the current row.
                x = read(views[1]) + x
                rows += k - 1
            } else {
                x = [Float](repeating: 0, count: (k - 1) * c) + x
                rows += k - 1
            }
            let outRows = rows - (k - 1)
            var y = [Float](repeating: 0, count: outRows * c)
            for t in 0..<outRows {
                for ch in 0..<c {
                    var acc = b[ch]
                    for j in 0..<k { acc += w[j * c + ch] * x[(t + j) * c + ch] }
                    y[t * c + ch] = acc
                }
            }
            values[out] = y
            if views.count > 1 { values[views[1].tensor] = Array(x[((rows - (k - 1)) * c)...]) }
        case .selectiveScan(let aLogName, let dName):
            let u = read(views[0]), delta = read(views[1]), bIn = read(views[2]), cIn = read(views[3])
            let a = weights[aLogName]!.map { -Foundation.exp($0) }, d = weights[dName]!
            let e = views[0].columns, n = views[2].columns, rows = views[0].rows
            var h = views.count > 4 ? values[views[4].tensor] : [Float](repeating: 0, count: e * n)
            var y = [Float](repeating: 0, count: rows * e)
            for t in 0..<rows {
                for ch in 0..<e {
                    let dt = delta[t * e + ch], dtu = dt * u[t * e + ch]
                    var acc: Float = 0
                    for j in 0..<n {
                        let v = expf(dt * a[ch * n + j]) * h[ch * n + j] + dtu * bIn[t * n + j]
                        h[ch * n + j] = v
                        acc += v * cIn[t * n + j]
                    }
                    y[t * e + ch] = acc + d[ch] * u[t * e + ch]
                }
                observe?("\(op.name).state", h[...])
            }
            values[out] = y
            if views.count > 4 { values[views[4].tensor] = h }
        case .lstm(let inputWeightName, let recurrentWeightName, let biasName):
            let x = read(views[0]), wx = weights[inputWeightName]!, wh = weights[recurrentWeightName]!, b = weights[biasName]!
            let f = views[0].columns, hidden = outTensor.columns, g = 4 * hidden
            var h = [Float](repeating: 0, count: hidden), cell = h
            var y = [Float](repeating: 0, count: outTensor.elements)
            func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
            for t in 0..<views[0].rows {
                var pre = b
                for o in 0..<g {
                    for i in 0..<f { pre[o] += x[t * f + i] * wx[i * g + o] }
                    for i in 0..<hidden { pre[o] += h[i] * wh[i * g + o] }
                }
                for j in 0..<hidden {
                    let ig = sigmoid(pre[j]), fg = sigmoid(pre[hidden + j]), gg = tanhf(pre[2 * hidden + j])
                    let og = sigmoid(pre[3 * hidden + j])
                    cell[j] = fg * cell[j] + ig * gg
                    h[j] = og * tanhf(cell[j])
                    y[t * hidden + j] = h[j]
                }
                observe?("\(op.name).cell", cell[...])
                observe?("\(op.name).gates", pre[...])
            }
            values[out] = y
        case .runningMean(let steps):
            let x = read(views[0])
            var sum = values[views[1].tensor]
            for j in sum.indices { sum[j] += x[j] }
            values[views[1].tensor] = sum
            values[out] = sum.map { $0 / Float(steps) }
        }
    }

    /// softmax(Q_h·K_hᵀ/√dₕ)·V_h per head; only the last `queries` rows of Q ask.
    static func attention(query: [Float], key: [Float], value: [Float], keys: Int, queries: Int, width d: Int,
                          heads: Int) -> [Float] {
        let dh = d / heads, scale = 1 / Float(dh).squareRoot(), first = query.count / d - queries
        var y = [Float](repeating: 0, count: queries * d)
        var scores = [Float](repeating: 0, count: keys)
        for head in 0..<heads {
            for i in 0..<queries {
                let qi = (first + i) * d + head * dh
                var best = -Float.infinity
                for j in 0..<keys {
                    var s: Float = 0
                    for c in 0..<dh { s += query[qi + c] * key[j * d + head * dh + c] }
                    scores[j] = s * scale
                    best = max(best, scores[j])
                }
                var total: Float = 0
                for j in 0..<keys {
                    scores[j] = expf(scores[j] - best)
                    total += scores[j]
                }
                for c in 0..<dh {
                    var acc: Float = 0
                    for j in 0..<keys { acc += scores[j] * value[j * d + head * dh + c] }
                    y[i * d + head * dh + c] = acc / total
                }
            }
        }
        return y
    }

    /// Names resolve; operand bands lie inside their tensors.
    private static func check(_ graph: Graph, index: [String: Int], weights: [String: [Float]]) throws {
        guard graph.inputs.count == 1 else { throw GraphError.input("graph \(graph.name) has \(graph.inputs.count) inputs, not 1") }
        guard graph.outputs.count == 1 else { throw GraphError.input("graph \(graph.name) has \(graph.outputs.count) outputs, not 1") }
        for op in graph.ops {
            for operand in op.inputs {
                guard let i = index[operand.tensor] else { throw GraphError.unknownTensor(op: op.name, tensor: operand.tensor) }
                let columns = graph.tensors[i].columns
                if operand.columnOffset < 0 || operand.columnOffset + (operand.columns ?? 0) > columns {
                    throw GraphError.shape(op: op.name, "band \(operand.columnOffset)+\(operand.columns ?? 0) outside \(columns) columns of \(operand.tensor)")
                }
            }
            for name in op.outputs where index[name] == nil { throw GraphError.unknownTensor(op: op.name, tensor: name) }
            for name in op.kind.weightNames where weights[name] == nil { throw GraphError.unknownWeight(op: op.name, weight: name) }
        }
    }
}

extension OpKind {
    /// The weights an op reads.
    public var weightNames: [String] {
        switch self {
        case .fullyConnected(let w, let b, _, _): return [w] + (b.map { [$0] } ?? [])
        case .conv1d(let w, let b, _, _, _): return [w] + (b.map { [$0] } ?? [])
        case .addWeight(let w): return [w]
        case .layerNorm(let g, let b, _): return [g, b]
        case .rmsNorm(let w, _): return [w]
        case .causalDepthwiseConv(let w, let b): return [w, b]
        case .selectiveScan(let a, let d): return [a, d]
        case .lstm(let wx, let wh, let b): return [wx, wh, b]
        case .add, .mul, .unary, .attention, .interleaveRows, .meanRows, .lastRow, .maxPoolRows, .runningMean: return []
        }
    }

    /// A short name for tables ("FULLY_CONNECTED", "LAYER_NORM"…), as in TFLite where one exists.
    public var typeName: String {
        switch self {
        case .fullyConnected: return "FULLY_CONNECTED"
        case .add: return "ADD"
        case .addWeight: return "ADD_CONST"
        case .mul: return "MUL"
        case .unary(let f): return f.rawValue.uppercased()
        case .layerNorm: return "LAYER_NORM"
        case .rmsNorm: return "RMS_NORM"
        case .attention: return "ATTENTION"
        case .conv1d: return "CONV_1D"
        case .interleaveRows: return "INTERLEAVE"
        case .meanRows: return "MEAN"
        case .lastRow: return "LAST_ROW"
        case .maxPoolRows: return "MAX_POOL"
        case .causalDepthwiseConv: return "DEPTHWISE_CONV"
        case .selectiveScan: return "SELECTIVE_SCAN"
        case .lstm: return "LSTM"
        case .runningMean: return "RUNNING_MEAN"
        }
    }
}
