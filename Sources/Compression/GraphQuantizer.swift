import Foundation
import Graph

public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    case missingRange(tensor: String)
    case unsupported(op: String, String)

    public var description: String {
        switch self {
        case .missingRange(let tensor): return "no calibrated range for tensor \(tensor) (was the calibration run on this graph?)"
        case .unsupported(let op, let why): return "op \(op) has no integer kernel: \(why)"
        }
    }
}

/// Float graph + calibration + precision plan → integer graph, op by op (post-training
/// quantization with TFLite's conventions: symmetric per-channel weights, asymmetric int8 or
/// symmetric int16 activations, int32 biases, fixed-point multipliers). The default plan is int8
/// everywhere with an int16 Mamba state.
public struct GraphQuantizer {
    public var calibration: Calibration
    public var plan: PrecisionPlan
    /// Per tensor, overriding the plan (tests and experiments name tensors directly).
    public var activationBits: [String: Int]

    public init(calibration: Calibration, plan: PrecisionPlan = PrecisionPlan(), activationBits: [String: Int] = [:]) {
        self.calibration = calibration
        self.plan = plan
        self.activationBits = activationBits
    }

    private var stateBits: Int { plan.stateBits }

    public func quantize(_ graph: Graph) throws -> IntegerGraph {
        try plan.validate(for: graph)
        let bits = plan.activationBits(for: graph).merging(activationBits) { $1 }
        var quantization = [String: TensorQuantization]()
        func range(_ name: String) throws -> CalibratedRange {
            guard let r = calibration.ranges[name] else { throw QuantizationError.missingRange(tensor: name) }
            return r
        }
        // Tensors whose values are copies or maxima of another's keep its quantization; persistent
        // tensors take that of what they hold.
        for op in graph.ops {
            switch op.kind {
            case .lastRow, .maxPoolRows:
                quantization[op.outputs[0]] = try quantization[op.inputs[0].tensor] ?? activation(op.inputs[0].tensor, bits, range)
            case .causalDepthwiseConv where op.inputs.count > 1:
                quantization[op.inputs[1].tensor] = try quantization[op.inputs[0].tensor] ?? activation(op.inputs[0].tensor, bits, range)
            case .selectiveScan where op.inputs.count > 4:
                quantization[op.inputs[4].tensor] = try stateQuantization(op.name, range)
            case .runningMean:
                let x = try quantization[op.inputs[0].tensor] ?? activation(op.inputs[0].tensor, bits, range)
                quantization[op.inputs[1].tensor] = TensorQuantization(scale: x.scale, zeroPoint: 0, bits: 32)
            default: break
            }
            for name in op.inputs.map(\.tensor) + op.outputs where quantization[name] == nil {
                quantization[name] = try activation(name, bits, range)
            }
        }
        let weights = Dictionary(uniqueKeysWithValues: graph.weights.map { ($0.name, $0) })
        let tensors = graph.tensors.map { t in
            IntegerTensor(name: t.name, rows: t.rows, columns: t.columns, role: t.role, quantization: quantization[t.name]!)
        }
        let shapes = Dictionary(uniqueKeysWithValues: graph.tensors.map { ($0.name, $0) })
        let ops = try graph.ops.map { op -> IntegerOp in
            let qin = op.inputs.map { quantization[$0.tensor]! }, qout = quantization[op.outputs[0]]!
            let kernel = try convert(op, qin: qin, qout: qout, weights: weights, shapes: shapes, range: range)
            var scratch = 0
            if case .attention = op.kind { scratch = 4 * shapes[op.inputs[1].tensor]!.rows }
            if case .selectiveScan = op.kind, op.inputs.count == 4 {
                scratch = (op.inputs[2].columns ?? 0) * shapes[op.outputs[0]]!.columns * stateBits / 8
            }
            if case .lstm = op.kind { scratch = 2 * 4 * shapes[op.outputs[0]]!.columns + 2 * 2 * shapes[op.outputs[0]]!.columns }
            if case .floatIsland = kernel {
                // The dequantized input and the float output, 4 bytes a value.
                let input = shapes[op.inputs[0].tensor]!
                scratch = 4 * (input.rows * (op.inputs[0].columns ?? input.columns) + shapes[op.outputs[0]]!.elements)
            }
            return IntegerOp(name: op.name, layer: op.layer, kernel: kernel, inputs: op.inputs, outputs: op.outputs, macs: op.macs,
                             scratchBytes: scratch)
        }
        return IntegerGraph(name: graph.name, mode: graph.mode, tensors: tensors, ops: ops)
    }

    private func activation(_ name: String, _ bits: [String: Int], _ range: (String) throws -> CalibratedRange) throws -> TensorQuantization {
        let r = try range(name)
        return TensorQuantization(min: r.min, max: r.max, bits: bits[name] ?? 8)
    }

    /// The weights of `op` at the plan's bit width and granularity; nil when the plan keeps the
    /// op in float.
    private func planned(_ op: GraphOp, _ weight: Weight) -> SymmetricPerChannelWeights? {
        guard let bits = plan.weights(of: op.name).bits else { return nil }
        return SymmetricPerChannelWeights(weight: weight.values, inFeatures: weight.shape[0], outFeatures: weight.shape[1], bits: bits,
                                          perTensor: plan.granularity(of: op.name) == .perTensor)
    }

    /// `op` alone as a float graph (weights rounded to half precision for fp16), its input the
    /// operand's band as a whole tensor.
    private func island(_ op: GraphOp, qin: TensorQuantization, qout: TensorQuantization, weights: [String: Weight],
                        shapes: [String: GraphTensor]) -> IntegerKernel {
        let precision = plan.weights(of: op.name)
        let source = shapes[op.inputs[0].tensor]!, output = shapes[op.outputs[0]]!
        var g = Graph(name: op.name, mode: .windowed)
        let x = g.tensor("input", rows: source.rows, columns: op.inputs[0].columns ?? (source.columns - op.inputs[0].columnOffset), .input)
        for name in op.kind.weightNames {
            let w = weights[name]!
            g.weights.append(Weight(name: w.name, shape: w.shape,
                                    values: precision == .fp16 ? w.values.map { Float(Float16($0)) } : w.values))
        }
        let y = g.tensor("output", rows: output.rows, columns: output.columns, .output)
        g.op(op.name, layer: op.layer, op.kind, inputs: [x], outputs: [y.tensor], macs: op.macs)
        return .floatIsland(FloatIsland(graph: g, precision: precision, input: qin, output: qout))
    }

    private func stateQuantization(_ op: String, _ range: (String) throws -> CalibratedRange) throws -> TensorQuantization {
        let r = try range("\(op).state")
        return TensorQuantization(min: r.min, max: r.max, bits: stateBits)
    }

    private func convert(_ op: GraphOp, qin: [TensorQuantization], qout: TensorQuantization, weights: [String: Weight],
                         shapes: [String: GraphTensor], range: (String) throws -> CalibratedRange) throws -> IntegerKernel {
        let x = qin[0]
        switch op.kind {
        case .fullyConnected(let w, let b, let relu, let flatten):
            guard let q = planned(op, weights[w]!) else { return island(op, qin: x, qout: qout, weights: weights, shapes: shapes) }
            let bias = b.map { weights[$0]!.values } ?? [Float](repeating: 0, count: q.outFeatures)
            return .fullyConnected(FullyConnectedKernel(
                weights: q, bias: (0..<q.outFeatures).map { Self.bias(bias[$0], scale: Double(x.scale) * Double(q.scales[$0])) },
                multipliers: q.scales.map { QuantizedMultiplier(Double(x.scale) * Double($0) / Double(qout.scale)) },
                inputZero: x.zeroPoint, outputZero: qout.zeroPoint,
                outputMin: relu ? max(qout.qmin, qout.zeroPoint) : qout.qmin, outputMax: qout.qmax, flatten: flatten))
        case .add:
            return .add(AddKernel(first: x, second: qin[1], output: qout))
        case .addWeight(let name):
            let p = weights[name]!.values
            let qp = TensorQuantization(min: p.min() ?? 0, max: p.max() ?? 0, bits: 8)
            return .addConstant(AddKernel(first: x, second: qp, output: qout), constant: p.map(qp.quantize))
        case .mul:
            return .mul(MulKernel(multiplier: QuantizedMultiplier(Double(x.scale) * Double(qin[1].scale) / Double(qout.scale)),
                                  firstZero: x.zeroPoint, secondZero: qin[1].zeroPoint, outputZero: qout.zeroPoint,
                                  outputMin: qout.qmin, outputMax: qout.qmax))
        case .unary(let f):
            return .table(Self.table(f, input: x, output: qout))
        case .layerNorm(let g, let b, let epsilon):
            return .layerNorm(Self.norm(centred: true, gamma: weights[g]!.values, beta: weights[b]!.values, epsilon: epsilon,
                                        input: x, output: qout))
        case .rmsNorm(let w, let epsilon):
            let gamma = weights[w]!.values
            return .rmsNorm(Self.norm(centred: false, gamma: gamma, beta: [Float](repeating: 0, count: gamma.count), epsilon: epsilon,
                                      input: x, output: qout))
        case .attention(let heads, let queries):
            let width = shapes[op.outputs[0]]!.columns
            let dh = Double(width / heads)
            let (q, k, v) = (qin[0], qin[1], qin[2])
            let scoreShift = q.bits > 8 || k.bits > 8 ? 16 : 0, valueShift = v.bits > 8 ? 16 : 0
            return .attention(AttentionKernel(
                heads: heads, width: width, queries: queries, scoreShift: scoreShift, valueShift: valueShift,
                queryZero: q.zeroPoint, keyZero: k.zeroPoint, valueZero: v.zeroPoint,
                scoreMultiplier: QuantizedMultiplier(Double(q.scale) * Double(k.scale) * Double(1 << scoreShift) / dh.squareRoot() * 1024),
                outputMultiplier: QuantizedMultiplier(Double(v.scale) * Double(1 << valueShift) / (32768 * Double(qout.scale))),
                outputZero: qout.zeroPoint, outputMin: qout.qmin, outputMax: qout.qmax))
        case .conv1d(let w, let b, let kernel, let stride, let padding):
            guard let q = planned(op, weights[w]!) else { return island(op, qin: x, qout: qout, weights: weights, shapes: shapes) }
            let bias = b.map { weights[$0]!.values } ?? [Float](repeating: 0, count: q.outFeatures)
            return .conv1d(Conv1dKernel(
                weights: q, bias: (0..<q.outFeatures).map { Self.bias(bias[$0], scale: Double(x.scale) * Double(q.scales[$0])) },
                multipliers: q.scales.map { QuantizedMultiplier(Double(x.scale) * Double($0) / Double(qout.scale)) },
                kernel: kernel, stride: stride, padding: padding, inputZero: x.zeroPoint, outputZero: qout.zeroPoint,
                outputMin: qout.qmin, outputMax: qout.qmax))
        case .interleaveRows:
            return .interleave(qin.map { input in
                RequantizeKernel(multiplier: QuantizedMultiplier(Double(input.scale) / Double(qout.scale)), inputZero: input.zeroPoint,
                                 outputZero: qout.zeroPoint, outputMin: qout.qmin, outputMax: qout.qmax)
            })
        case .meanRows:
            let rows = Double(shapes[op.inputs[0].tensor]!.rows)
            return .meanRows(RequantizeKernel(multiplier: QuantizedMultiplier(Double(x.scale) / (rows * Double(qout.scale))),
                                              inputZero: x.zeroPoint, outputZero: qout.zeroPoint, outputMin: qout.qmin,
                                              outputMax: qout.qmax))
        case .runningMean(let steps):
            return .runningMean(RequantizeKernel(multiplier: QuantizedMultiplier(Double(x.scale) / (Double(steps) * Double(qout.scale))),
                                                 inputZero: x.zeroPoint, outputZero: qout.zeroPoint, outputMin: qout.qmin,
                                                 outputMax: qout.qmax))
        case .lastRow:
            return .lastRow
        case .maxPoolRows(let size):
            return .maxPool(size: size)
        case .causalDepthwiseConv(let w, let b):
            guard let q = planned(op, weights[w]!) else { throw QuantizationError.unsupported(op: op.name, "no float island for a depthwise conv") }
            let bias = weights[b]!.values
            return .depthwiseConv(DepthwiseConvKernel(
                weights: q, bias: (0..<q.outFeatures).map { Self.bias(bias[$0], scale: Double(x.scale) * Double(q.scales[$0])) },
                multipliers: q.scales.map { QuantizedMultiplier(Double(x.scale) * Double($0) / Double(qout.scale)) },
                inputZero: x.zeroPoint, outputZero: qout.zeroPoint, outputMin: qout.qmin, outputMax: qout.qmax))
        case .selectiveScan(let aLogName, let dName):
            let a = weights[aLogName]!.values.map { Foundation.exp(Double($0)) } // |A|
            let skip = weights[dName]!.values.map(Double.init)
            let state = try stateQuantization(op.name, range)
            let (u, delta, bq, cq) = (qin[0], qin[1], qin[2], qin[3])
            let aScale = max(a.max() ?? 1, 1e-12) / 32767, dScale = max(skip.map(abs).max() ?? 1, 1e-12) / 32767
            let accShift = stateBits > 16 ? 16 : 0
            let productShift = [u, delta, bq].contains { $0.bits > 8 } ? 16 : 0
            return .selectiveScan(ScanKernel(
                channels: skip.count, stateSize: a.count / skip.count, stateBits: stateBits,
                decayRates: a.map { Int32(($0 / aScale).rounded(.toNearestOrAwayFromZero)) },
                decayMultiplier: QuantizedMultiplier(Double(delta.scale) * aScale * 1024),
                inputMultiplier: QuantizedMultiplier(Double(delta.scale) * Double(u.scale) * Double(bq.scale) * Double(1 << productShift)
                                                     / Double(state.scale)),
                readoutMultiplier: QuantizedMultiplier(Double(state.scale) * Double(cq.scale) * Double(1 << accShift) / Double(qout.scale)),
                accumulatorShift: accShift, productShift: productShift,
                skip: skip.map { Int32(($0 / dScale).rounded(.toNearestOrAwayFromZero)) },
                skipMultiplier: QuantizedMultiplier(Double(u.scale) * dScale / Double(qout.scale)),
                uZero: u.zeroPoint, deltaZero: delta.zeroPoint, bZero: bq.zeroPoint, cZero: cq.zeroPoint,
                outputZero: qout.zeroPoint, outputMin: qout.qmin, outputMax: qout.qmax))
        case .lstm(let wxName, let whName, let bName):
            let wx = weights[wxName]!, wh = weights[whName]!, bias = weights[bName]!.values
            guard let qx = planned(op, wx), let qh = planned(op, wh) else {
                return island(op, qin: x, qout: qout, weights: weights, shapes: shapes)
            }
            let gate = 1.0 / 4096
            let cell = try range("\(op.name).cell")
            let largest = Double(max(abs(cell.min), abs(cell.max), 1e-6))
            let integerBits = max(0, Int(Foundation.ceil(Foundation.log2(largest))))
            let q12 = TensorQuantization(scale: Float(gate), zeroPoint: 0, bits: 16)
            let q15 = TensorQuantization(scale: 1 / 32768, zeroPoint: 0, bits: 16)
            return .lstm(LSTMKernel(
                hidden: wh.shape[0], inputWeights: qx, recurrentWeights: qh,
                bias: (0..<qx.outFeatures).map { Self.bias(bias[$0], scale: Double(x.scale) * Double(qx.scales[$0])) },
                inputMultipliers: qx.scales.map { QuantizedMultiplier(Double(x.scale) * Double($0) / gate) },
                recurrentMultipliers: qh.scales.map { QuantizedMultiplier(Double(qout.scale) * Double($0) / gate) },
                cellFractionBits: min(15, 15 - integerBits), outputMultiplier: QuantizedMultiplier(1 / (1_073_741_824 * Double(qout.scale))),
                inputZero: x.zeroPoint, outputZero: qout.zeroPoint, outputMin: qout.qmin, outputMax: qout.qmax,
                sigmoid: Self.table(.sigmoid, input: q12, output: q15), tanh: Self.table(.tanh, input: q12, output: q15)))
        }
    }

    static func bias(_ b: Float, scale: Double) -> Int32 {
        let q = (Double(b) / scale).rounded(.toNearestOrAwayFromZero)
        // Saturate rather than trap: only a pathological scale makes a bias leave Int32.
        return Int32(min(max(q, Double(Int32.min)), Double(Int32.max)))
    }

    /// The table of `f` from the input codes' real values to output codes.
    public static func table(_ f: UnaryFunction, input: TensorQuantization, output: TensorQuantization) -> LookupTable {
        let count = input.bits == 8 ? 256 : 513
        var t = LookupTable(function: LookupTable.TableFunction(rawValue: f.rawValue)!, inputBits: input.bits, outputBits: output.bits,
                            values: [])
        t.values = (0..<count).map { i in
            let code = t.inputCode(ofEntry: i)
            let real = Double(input.scale) * Double(code - input.zeroPoint)
            return output.quantize(FloatFunctions.apply(f, real))
        }
        return t
    }

    static func norm(centred: Bool, gamma: [Float], beta: [Float], epsilon: Float, input: TensorQuantization,
                     output: TensorQuantization) -> NormKernel {
        let c = Double(gamma.count)
        let eps = Double(epsilon) * c * c / (Double(input.scale) * Double(input.scale))
        return NormKernel(
            centred: centred,
            multipliers: gamma.map { QuantizedMultiplier(abs(Double($0)) / (4096 * Double(output.scale))) },
            negative: gamma.map { $0 < 0 },
            bias: beta.map { bias($0, scale: Double(output.scale)) },
            epsilon: Int64(min(eps.rounded(), 1e15)),
            inputZero: input.zeroPoint, outputZero: output.zeroPoint, outputMin: output.qmin, outputMax: output.qmax)
    }
}
