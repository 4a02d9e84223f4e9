import Compression
import Foundation
import Graph

/// A float graph (the student transformer's) rewritten in TFLite Micro builtins, which have no
/// layer norm, no fused attention and no GELU:
/// - LAYER_NORM → MEAN (last axis) · SUB · MUL (square) · MEAN · RSQRT · MUL. Its γ and β are
///   folded into the FULLY_CONNECTED that reads it (W' = diag(γ)·W, b' = b + β·W), through a
///   MEAN over steps when one comes first (the mean is linear), exactly in float.
/// - ATTENTION → the packed QKV projection as three FULLY_CONNECTED (TFLite has no column
///   views; 1/√dₕ folded into Q's weights and bias); RESHAPE [T, h, dₕ] and TRANSPOSE to
///   [h, T, dₕ]; BATCH_MATMUL Q·Kᵀ; SOFTMAX; BATCH_MATMUL with V; TRANSPOSE and RESHAPE back.
/// - GELU → an exact int8 table (`TFLiteProgram.Step.gelu`); position table and residuals → ADD;
///   mean over steps → MEAN (first axis); dense layers → FULLY_CONNECTED.
/// Anything else is refused by op name.
public enum TFLiteDecomposition {
    /// The integer kernels (`IntegerKernel.typeName`) of graphs this decomposition covers.
    public static let kernels: Set<String> = ["FULLY_CONNECTED", "ADD", "ADD_CONST", "LAYER_NORM", "ATTENTION", "LUT(gelu)", "MEAN"]

    /// Whether an integer graph's float model can be decomposed (the student transformers).
    public static func covers(_ graph: IntegerGraph) -> Bool { graph.ops.allSatisfy { kernels.contains($0.kernel.typeName) } }

    public static func program(_ graph: Graph) throws -> TFLiteProgram {
        guard graph.mode == .windowed, let input = graph.inputs.first, let output = graph.outputs.first else {
            throw TFLiteExportError.unsupported(model: graph.name, op: "graph", reason: "needs one windowed input and one output")
        }
        var builder = Builder(graph: graph, program: TFLiteProgram(name: graph.name, input: input.name, output: output.name))
        builder.program.addTensor(input.name, shape: [input.rows, input.columns])
        for op in graph.ops { try builder.add(op) }
        if builder.pendingAffine[output.name] != nil {
            throw TFLiteExportError.unsupported(model: graph.name, op: output.name, reason: "the output is a layer norm with no dense layer after it to fold γ, β into")
        }
        return builder.program
    }

    private struct Builder {
        let graph: Graph
        var program: TFLiteProgram
        /// Layer-norm outputs written without their γ, β (folded into the next dense layer).
        var pendingAffine: [String: (gamma: [Float], beta: [Float])] = [:]

        init(graph: Graph, program: TFLiteProgram) {
            self.graph = graph
            self.program = program
        }

        func fail(_ op: GraphOp, _ reason: String) -> TFLiteExportError {
            .unsupported(model: graph.name, op: op.name, reason: reason)
        }

        func shape(_ name: String) -> [Int] {
            let t = graph.tensor(name)!
            return [t.rows, t.columns]
        }

        /// The program tensor an operand reads: the tensor itself, or the band FULLY_CONNECTED
        /// wrote separately.
        func source(_ operand: Operand, _ op: GraphOp) throws -> String {
            let columns = graph.tensor(operand.tensor)!.columns
            if operand.columnOffset == 0 && (operand.columns ?? columns) == columns { return operand.tensor }
            let band = Self.bandName(operand)
            guard program.has(band) else { throw fail(op, "reads a column band of \(operand.tensor) that no dense layer wrote separately") }
            return band
        }

        static func bandName(_ operand: Operand) -> String { "\(operand.tensor).cols\(operand.columnOffset)" }

        mutating func add(_ op: GraphOp) throws {
            for operand in op.inputs where pendingAffine[operand.tensor] != nil {
                switch op.kind {
                case .fullyConnected, .meanRows: continue
                default: throw fail(op, "reads layer norm \(operand.tensor), whose γ, β can only fold into a dense layer")
                }
            }
            let y = op.outputs[0]
            switch op.kind {
            case .fullyConnected(let weightName, let biasName, let relu, let flatten):
                guard !relu && !flatten else { throw fail(op, "fused ReLU or flatten in a decomposed graph") }
                try fullyConnected(op, weight: graph.weight(weightName)!, bias: biasName.flatMap(graph.weight)?.values)
            case .addWeight(let name):
                let table = graph.weight(name)!
                program.addTensor("\(op.name).table", shape: shape(y), constant: table.values)
                program.addTensor(y, shape: shape(y))
                program.steps.append(.add(try source(op.inputs[0], op), "\(op.name).table", output: y))
            case .add:
                program.addTensor(y, shape: shape(y))
                program.steps.append(.add(try source(op.inputs[0], op), try source(op.inputs[1], op), output: y))
            case .layerNorm(let gamma, let beta, let epsilon):
                try layerNorm(op, epsilon: epsilon)
                pendingAffine[y] = (graph.weight(gamma)!.values, graph.weight(beta)!.values)
            case .attention(let heads, let queries):
                guard queries == nil else { throw fail(op, "attention with only the last queries asking") }
                try attention(op, heads: heads)
            case .unary(.gelu):
                program.addTensor(y, shape: shape(y))
                program.steps.append(.gelu(input: try source(op.inputs[0], op), output: y))
            case .meanRows:
                let x = try source(op.inputs[0], op)
                program.addTensor(y, shape: shape(y))
                program.steps.append(.mean(input: x, axis: 0, output: y))
                if let affine = pendingAffine[x] { pendingAffine[y] = affine }
            default:
                throw fail(op, "\(op.kind.typeName) has no decomposition into TFLite Micro builtins")
            }
        }

        /// One FULLY_CONNECTED, or one per column band when later ops read the output in bands.
        mutating func fullyConnected(_ op: GraphOp, weight: Weight, bias: [Float]?) throws {
            let x = try source(op.inputs[0], op), y = op.outputs[0]
            let n = weight.shape[0], m = weight.shape[1]
            var w = weight.values, b = bias ?? [Float](repeating: 0, count: m)
            if let (gamma, beta) = pendingAffine[op.inputs[0].tensor] {
                // y = (n ⊙ γ + β)·W + b = n·(diag(γ)·W) + (β·W + b)
                for o in 0..<m {
                    var shift = Double(b[o])
                    for i in 0..<n { shift += Double(beta[i]) * Double(weight.values[i * m + o]) }
                    b[o] = Float(shift)
                }
                for i in 0..<n { for o in 0..<m { w[i * m + o] *= gamma[i] } }
            }
            let readers = graph.ops.flatMap(\.inputs).filter { $0.tensor == y }
            let bands = readers.allSatisfy { $0.columns != nil } && !readers.isEmpty
                ? Array(Set(readers.map { [$0.columnOffset, $0.columns!] })).sorted { $0[0] < $1[0] }
                : [[0, m]]
            let rows = graph.tensor(op.inputs[0].tensor)!.rows
            for band in bands {
                let (offset, count) = (band[0], band[1])
                let name = bands.count == 1 ? y : Self.bandName(Operand(y, columnOffset: offset, columns: count))
                let scale = querySoftmaxScale(Operand(y, columnOffset: offset, columns: count))
                // TFLite's filter is [out, in]; tinyloc's weight is [in, out].
                var filter = [Float](repeating: 0, count: count * n)
                for o in 0..<count { for i in 0..<n { filter[o * n + i] = w[i * m + offset + o] * scale } }
                program.addTensor("\(name).weight", shape: [count, n], constant: filter)
                program.addTensor("\(name).bias", shape: [count], constant: (0..<count).map { b[offset + $0] * scale })
                program.update("\(name).bias") { $0.isBias = true }
                program.addTensor(name, shape: [rows, count])
                program.steps.append(.fullyConnected(input: x, weight: "\(name).weight", bias: "\(name).bias", output: name))
            }
        }

        /// 1/√dₕ when the band is an attention's queries (folded into their projection), else 1.
        func querySoftmaxScale(_ band: Operand) -> Float {
            for op in graph.ops {
                if case .attention(let heads, _) = op.kind, op.inputs[0] == band {
                    return 1 / Float((op.inputs[0].columns ?? graph.tensor(band.tensor)!.columns) / heads).squareRoot()
                }
            }
            return 1
        }

        mutating func layerNorm(_ op: GraphOp, epsilon: Float) throws {
            let x = try source(op.inputs[0], op), y = op.outputs[0]
            let s = shape(y), row = [s[0], 1]
            for (name, shape) in [("mean", row), ("centred", s), ("squared", s), ("variance", row), ("rstd", row)] {
                program.addTensor("\(op.name).\(name)", shape: shape)
            }
            program.addTensor(y, shape: s)
            let p = op.name
            program.steps += [
                .mean(input: x, axis: 1, output: "\(p).mean"),
                .sub(x, "\(p).mean", output: "\(p).centred"),
                .mul("\(p).centred", "\(p).centred", output: "\(p).squared"),
                .mean(input: "\(p).squared", axis: 1, output: "\(p).variance"),
                .rsqrt(input: "\(p).variance", epsilon: epsilon, output: "\(p).rstd"),
                .mul("\(p).centred", "\(p).rstd", output: y),
            ]
        }

        mutating func attention(_ op: GraphOp, heads: Int) throws {
            let q = try source(op.inputs[0], op), k = try source(op.inputs[1], op), v = try source(op.inputs[2], op)
            let y = op.outputs[0], t = shape(y)[0], d = shape(y)[1], dh = d / heads
            let p = op.name
            var split: [String] = []
            for (role, x) in [("q", q), ("k", k), ("v", v)] {
                program.addTensor("\(p).\(role).split", shape: [t, heads, dh])
                program.addTensor("\(p).\(role).heads", shape: [heads, t, dh])
                program.steps.append(.reshape(input: x, output: "\(p).\(role).split"))
                program.steps.append(.transpose(input: "\(p).\(role).split", permutation: [1, 0, 2], output: "\(p).\(role).heads"))
                split.append("\(p).\(role).heads")
            }
            program.addTensor("\(p).scores", shape: [heads, t, t])
            program.addTensor("\(p).weights", shape: [heads, t, t])
            program.addTensor("\(p).context", shape: [heads, t, dh])
            program.addTensor("\(p).merged", shape: [t, heads, dh])
            program.addTensor(y, shape: [t, d])
            program.steps += [
                .batchMatMul(split[0], split[1], adjointB: true, output: "\(p).scores"),
                .softmax(input: "\(p).scores", output: "\(p).weights"),
                .batchMatMul("\(p).weights", split[2], adjointB: false, output: "\(p).context"),
                .transpose(input: "\(p).context", permutation: [1, 0, 2], output: "\(p).merged"),
                .reshape(input: "\(p).merged", output: y),
            ]
        }
    }
}

extension TFLiteProgram {
    /// Every tensor quantized as TFLite does: activations asymmetric int8 from their range over
    /// the calibration windows (min/max, widened to include 0); RESHAPE and TRANSPOSE outputs
    /// keep their input's; SOFTMAX outputs 1/256 with zero point −128; FC filters symmetric int8
    /// per output channel (scale max|w|/127), biases int32 at s_x·s_w[c]; other constants
    /// asymmetric int8 over their own range.
    public func quantized(calibration windows: [[Float]]) throws -> TFLiteProgram {
        guard !windows.isEmpty else { throw TFLiteExportError.unsupported(model: name, op: "calibration", reason: "no calibration windows") }
        var ranges: [String: (Float, Float)] = [:]
        for window in windows {
            runFloat(window) { name, values in
                let low = values.min() ?? 0, high = values.max() ?? 0
                let old = ranges[name] ?? (low, high)
                ranges[name] = (Swift.min(old.0, low), Swift.max(old.1, high))
            }
        }
        var q = self
        func activation(_ name: String) -> TensorQuantization {
            let (low, high) = ranges[name]!
            let affine = AffineQuantization(min: low, max: high)
            return TensorQuantization(scale: affine.scale, zeroPoint: affine.zeroPoint, bits: 8)
        }
        q.update(input) { $0.quantization = activation(input) }
        for step in steps {
            let y = step.output
            switch step {
            case .reshape(let x, _), .transpose(let x, _, _):
                let inherited = q.tensor(x).quantization
                q.update(y) { $0.quantization = inherited }
            case .softmax:
                q.update(y) { $0.quantization = TensorQuantization(scale: 1.0 / 256, zeroPoint: -128, bits: 8) }
            default:
                q.update(y) { $0.quantization = activation(y) }
            }
            if case .fullyConnected(let x, let w, let b, _) = step {
                let filter = tensor(w), inputScale = Double(q.tensor(x).quantization!.scale)
                let n = filter.shape[1]
                var scales: [Float] = [], codes: [Int32] = []
                for o in 0..<filter.shape[0] {
                    let row = filter.constant![(o * n)..<((o + 1) * n)]
                    let largest = row.map { abs($0) }.max() ?? 0
                    let scale = largest > 0 ? largest / 127 : 1
                    scales.append(scale)
                    codes += row.map { Int32(Swift.min(Swift.max(($0 / scale).rounded(.toNearestOrAwayFromZero), -127), 127)) }
                }
                q.update(w) { $0.channelScales = scales; $0.codes = codes }
                let biasScales = scales.map { Float(inputScale * Double($0)) }
                let biasCodes = try zip(tensor(b).constant!, scales).map { value, scale -> Int32 in
                    let code = (Double(value) / (inputScale * Double(scale))).rounded(.toNearestOrAwayFromZero)
                    guard abs(code) < Double(Int32.max) else { throw TFLiteExportError.unsupported(model: name, op: b, reason: "bias \(value) overflows int32 at scale \(inputScale * Double(scale))") }
                    return Int32(code)
                }
                q.update(b) { $0.channelScales = biasScales; $0.codes = biasCodes }
            }
        }
        for t in tensors where t.constant != nil && !t.isBias && q.tensor(t.name).codes == nil {
            let values = t.constant!
            let affine = AffineQuantization(min: values.min()!, max: values.max()!)
            q.update(t.name) {
                $0.quantization = TensorQuantization(scale: affine.scale, zeroPoint: affine.zeroPoint, bits: 8)
                $0.codes = values.map { Int32(affine.quantize($0)) }
            }
        }
        return q
    }
}
