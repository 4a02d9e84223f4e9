import Compression
import Graph

/// One graph's part of model.c: its arena, the const parameters of each op (into the shared
/// `ConstantPool`) and the calls that run it, each tensor read at its planned offset.
struct GraphEmitter {
    let graph: IntegerGraph
    let prefix: String
    let plan: MemoryPlan
    private(set) var pieces: [Piece] = []
    private(set) var calls: [String] = []
    /// Persistent tensors (kept between calls; set to their zero point by the reset).
    let persistent: [String]
    private let offsets: [String: Int]
    private let tensors: [String: IntegerTensor]

    init(graph: IntegerGraph, prefix: String, planner: GreedyMemoryPlanner, constants: inout ConstantPool) throws {
        self.graph = graph
        self.prefix = prefix
        plan = try planner.plan(MemoryGraph(graph))
        offsets = Dictionary(uniqueKeysWithValues: plan.tensors.map { ($0.name, $0.offset) })
        tensors = Dictionary(uniqueKeysWithValues: graph.tensors.map { ($0.name, $0) })
        persistent = graph.tensors.filter { $0.role == .persistent }.map(\.name)
        for boundary in [graph.input, graph.output] where boundary.quantization.bits != 8 {
            throw CExportError.unsupported(op: boundary.name, reason: "the C API passes int8 codes; this tensor is int\(boundary.quantization.bits)")
        }
        for (i, op) in graph.ops.enumerated() { try emit(op, name: "\(prefix)_op\(i)", constants: &constants) }
    }

    private var arena: String { "tl_\(prefix)_arena" }

    private func tensor(_ operand: Operand) -> IntegerTensor { tensors[operand.tensor]! }
    private func rows(_ operand: Operand) -> Int { tensor(operand).rows }
    private func columns(_ operand: Operand) -> Int { operand.columns ?? (tensor(operand).columns - operand.columnOffset) }

    private func view(_ operand: Operand) -> String {
        let t = tensor(operand)
        let offset = offsets[t.name]! + operand.columnOffset * t.quantization.bytesPerElement
        return "(tl_view){ \(arena) + \(offset), \(t.quantization.bits), \(t.columns) }"
    }

    private func view(_ name: String) -> String { view(Operand(name)) }

    private func scratch(_ op: IntegerOp) -> Int { offsets["\(op.name).scratch"]! }

    private mutating func use(_ piece: Piece) {
        if !pieces.contains(piece) { pieces.append(piece) }
    }

    /// Weights as flash stores them: int8 one a byte, int4 two a byte (low nibble first).
    private func weights(_ w: SymmetricPerChannelWeights, _ name: String, op: IntegerOp, constants: inout ConstantPool) throws -> String {
        switch w.bits {
        case 8: return try constants.array("int8_t", name, w.values.map(Int64.init), op: op.name)
        case 4:
            if let bad = w.values.first(where: { !(-8...7).contains($0) }) {
                throw CExportError.unsupported(op: op.name, reason: "int4 weight \(bad) outside -8...7")
            }
            let packed = stride(from: 0, to: w.values.count, by: 2).map { i -> Int64 in
                let low = Int64(w.values[i] & 15), high = i + 1 < w.values.count ? Int64(w.values[i + 1] & 15) : 0
                let byte = low | (high << 4)
                return byte >= 128 ? byte - 256 : byte
            }
            return try constants.array("int8_t", name, packed, op: op.name)
        default:
            throw CExportError.unsupported(op: op.name, reason: "int\(w.bits) weights (the C kernels take int8 and int4)")
        }
    }

    private static func mult(_ m: QuantizedMultiplier) -> String { ConstantPool.multiplier(m) }

    private mutating func emit(_ op: IntegerOp, name: String, constants: inout ConstantPool) throws {
        let x = op.inputs[0], y = view(op.outputs[0]), out = tensors[op.outputs[0]]!
        calls.append("/* \(op.name): \(op.kernel.typeName) */")
        switch op.kernel {
        case .fullyConnected(let k):
            use(.fullyConnected)
            let n = k.weights.inFeatures
            var input = view(x), rowCount = rows(x)
            if k.flatten {
                guard x.columnOffset == 0, columns(x) == tensor(x).columns else {
                    throw CExportError.unsupported(op: op.name, reason: "a flattened read of a column band")
                }
                input = "(tl_view){ \(arena) + \(offsets[x.tensor]!), \(tensor(x).quantization.bits), \(n) }"
                rowCount = 1
            }
            let w = try weights(k.weights, "\(name)_w", op: op, constants: &constants)
            let bias = try constants.array("int32_t", "\(name)_bias", k.bias.map(Int64.init), op: op.name)
            let sums = (0..<k.weights.outFeatures).map { c in (0..<n).reduce(Int64(0)) { $0 + Int64(k.weights.values[c * n + $1]) } }
            let sum = try constants.array("int32_t", "\(name)_sum", sums, op: op.name)
            let mult = constants.multipliers("\(name)_mult", k.multipliers)
            let wide = Int64(n) * 127 * 65_535 >= Int64(Int32.max)
            constants.parameters("tl_fully_connected_k", name, [
                "\(n), \(k.weights.outFeatures), \(k.weights.bits), \(wide ? 1 : 0)",
                "\(w), \(bias), \(sum), \(mult)",
                "\(k.inputZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"], size: 12 * 4)
            calls.append("tl_fully_connected(&\(name), \(input), \(rowCount), \(y));")
        case .add(let k):
            use(.addOp)
            constants.parameters("tl_add_k", name, Self.addFields(k), size: 12 * 4)
            calls.append("tl_add(&\(name), \(view(x)), \(view(op.inputs[1])), \(rows(x)), \(columns(x)), \(y));")
        case .addConstant(let k, let constant):
            use(.addConstant)
            let table = try constants.array("int8_t", "\(name)_const", constant.map(Int64.init), op: op.name)
            constants.parameters("tl_add_k", name, Self.addFields(k), size: 12 * 4)
            calls.append("tl_add_constant(&\(name), \(view(x)), \(table), \(rows(x)), \(columns(x)), \(y));")
        case .mul(let k):
            use(.mul)
            constants.parameters("tl_mul_k", name, [Self.mult(k.multiplier), "\(k.firstZero), \(k.secondZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"],
                                 size: 7 * 4)
            calls.append("tl_mul(&\(name), \(view(x)), \(view(op.inputs[1])), \(rows(x)), \(columns(x)), \(y));")
        case .table(let t):
            use(.tableOp)
            try table(t, name, op: op, constants: &constants)
            calls.append("tl_apply_table(&\(name), \(view(x)), \(rows(x)), \(columns(x)), \(y));")
        case .layerNorm(let k), .rmsNorm(let k):
            use(.norm)
            let mult = constants.multipliers("\(name)_mult", k.multipliers)
            let negative = try constants.array("uint8_t", "\(name)_negative", k.negative.map { $0 ? 1 : 0 }, op: op.name)
            let bias = try constants.array("int32_t", "\(name)_bias", k.bias.map(Int64.init), op: op.name)
            constants.parameters("tl_norm_k", name, [
                "\(k.centred ? 1 : 0), \(k.multipliers.count), \(mult), \(negative), \(bias)",
                "INT64_C(\(k.epsilon)), \(k.inputZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"], size: 11 * 4)
            calls.append("tl_norm(&\(name), \(view(x)), \(rows(x)), \(y));")
        case .attention(let k):
            use(.attention)
            let key = op.inputs[1], value = op.inputs[2]
            let queryRows = rows(x) * columns(x) / k.width
            constants.parameters("tl_attention_k", name, [
                "\(k.heads), \(k.width), \(k.queries ?? queryRows), \(k.scoreShift), \(k.valueShift), \(k.queryZero), \(k.keyZero), \(k.valueZero)",
                "\(Self.mult(k.scoreMultiplier)), \(Self.mult(k.outputMultiplier)), \(k.outputZero), \(k.outputMin), \(k.outputMax)"],
                                 size: 15 * 4)
            let scores = "(tl_view){ \(arena) + \(scratch(op)), 32, 0 }"
            calls.append("tl_attention(&\(name), \(view(x)), \(queryRows), \(view(key)), \(view(value)), \(rows(key)), \(scores), \(y));")
        case .conv1d(let k):
            use(.conv1d)
            let w = try weights(k.weights, "\(name)_w", op: op, constants: &constants)
            let bias = try constants.array("int32_t", "\(name)_bias", k.bias.map(Int64.init), op: op.name)
            let mult = constants.multipliers("\(name)_mult", k.multipliers)
            constants.parameters("tl_conv1d_k", name, [
                "\(k.kernel), \(k.stride), \(k.padding), \(k.weights.inFeatures / k.kernel), \(k.weights.outFeatures), \(k.weights.bits)",
                "\(w), \(bias), \(mult), \(k.inputZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"], size: 13 * 4)
            calls.append("tl_conv1d(&\(name), \(view(x)), \(rows(x)), \(out.rows), \(y));")
        case .interleave(let requantizers):
            use(.interleave)
            for (i, k) in requantizers.enumerated() {
                constants.parameters("tl_requantize_k", "\(name)_\(i)", Self.requantizeFields(k), size: 6 * 4)
                let input = op.inputs[i]
                calls.append("tl_interleave(&\(name)_\(i), \(i), \(requantizers.count), \(view(input)), \(rows(input)), \(columns(input)), \(y));")
            }
        case .meanRows(let k):
            use(.meanRows)
            constants.parameters("tl_requantize_k", name, Self.requantizeFields(k), size: 6 * 4)
            calls.append("tl_mean_rows(&\(name), \(view(x)), \(rows(x)), \(columns(x)), \(y));")
        case .lastRow:
            use(.lastRow)
            calls.append("tl_last_row(\(view(x)), \(rows(x)), \(columns(x)), \(y));")
        case .maxPool(let size):
            use(.maxPool)
            calls.append("tl_max_pool(\(size), \(view(x)), \(out.rows), \(columns(x)), \(y));")
        case .depthwiseConv(let k):
            use(.depthwiseConv)
            let w = try weights(k.weights, "\(name)_w", op: op, constants: &constants)
            let bias = try constants.array("int32_t", "\(name)_bias", k.bias.map(Int64.init), op: op.name)
            let mult = constants.multipliers("\(name)_mult", k.multipliers)
            constants.parameters("tl_depthwise_k", name, [
                "\(k.weights.inFeatures), \(k.weights.outFeatures), \(k.weights.bits), \(w), \(bias), \(mult)",
                "\(k.inputZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"], size: 10 * 4)
            // Windowed, there is no history: the input itself stands in for it and is never read as such.
            let history = op.inputs.count > 1 ? op.inputs[1] : x
            calls.append("tl_depthwise_conv(&\(name), \(view(x)), \(rows(x)), \(view(history)), \(op.inputs.count > 1 ? rows(history) : 0), \(y));")
        case .selectiveScan(let k):
            use(.selectiveScan)
            let decay = try constants.array("int16_t", "\(name)_decay", k.decayRates.map(Int64.init), op: op.name)
            let skip = try constants.array("int16_t", "\(name)_skip", k.skip.map(Int64.init), op: op.name)
            constants.parameters("tl_scan_k", name, [
                "\(k.channels), \(k.stateSize), \(k.stateBits), \(k.accumulatorShift), \(k.productShift), \(decay), \(skip)",
                "\(Self.mult(k.decayMultiplier)), \(Self.mult(k.inputMultiplier)), \(Self.mult(k.readoutMultiplier)), \(Self.mult(k.skipMultiplier))",
                "\(k.uZero), \(k.deltaZero), \(k.bZero), \(k.cZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"], size: 22 * 4)
            let state: String
            if op.inputs.count > 4 {
                state = view(op.inputs[4])
            } else {
                // Windowed, the state starts at zero for every window, in the op's scratch.
                let bytes = k.channels * k.stateSize * k.stateBits / 8
                calls.append("memset(\(arena) + \(scratch(op)), 0, \(bytes));")
                state = "(tl_view){ \(arena) + \(scratch(op)), \(k.stateBits), \(k.stateSize) }"
            }
            let (delta, b, c) = (op.inputs[1], op.inputs[2], op.inputs[3])
            calls.append("tl_selective_scan(&\(name), \(view(x)), \(view(delta)), \(view(b)), \(view(c)), \(rows(x)), \(state), \(y));")
        case .lstm(let k):
            use(.lstm)
            let wx = try weights(k.inputWeights, "\(name)_wx", op: op, constants: &constants)
            let wh = try weights(k.recurrentWeights, "\(name)_wh", op: op, constants: &constants)
            let bias = try constants.array("int32_t", "\(name)_bias", k.bias.map(Int64.init), op: op.name)
            let inputMult = constants.multipliers("\(name)_input_mult", k.inputMultipliers)
            let recurrentMult = constants.multipliers("\(name)_recurrent_mult", k.recurrentMultipliers)
            let sigmoid = try tableFields(k.sigmoid, "\(name)_sigmoid", op: op, constants: &constants)
            let tanh = try tableFields(k.tanh, "\(name)_tanh", op: op, constants: &constants)
            constants.parameters("tl_lstm_k", name, [
                "\(k.hidden), \(k.inputWeights.inFeatures), \(k.cellFractionBits), \(k.inputWeights.bits), \(k.recurrentWeights.bits)",
                "\(wx), \(wh), \(bias), \(inputMult), \(recurrentMult), \(Self.mult(k.outputMultiplier))",
                "\(k.inputZero), \(k.outputZero), \(k.outputMin), \(k.outputMax), { \(sigmoid) }, { \(tanh) }"], size: 22 * 4)
            calls.append("tl_lstm(&\(name), \(view(x)), \(rows(x)), \(arena) + \(scratch(op)), \(y));")
        case .runningMean(let k):
            use(.runningMean)
            constants.parameters("tl_requantize_k", name, Self.requantizeFields(k), size: 6 * 4)
            calls.append("tl_running_mean(&\(name), \(view(x)), \(columns(x)), \(view(op.inputs[1])), \(y));")
        case .floatIsland(let island):
            throw CExportError.unsupported(op: op.name, reason: "a float island (\(island.precision.rawValue) weights); the C export has integer kernels only")
        }
    }

    private mutating func table(_ t: LookupTable, _ name: String, op: IntegerOp, constants: inout ConstantPool) throws {
        let fields = try tableFields(t, "\(name)_values", op: op, constants: &constants)
        constants.parameters("tl_table", name, [fields], size: 3 * 4)
    }

    /// The table's values as an array, and the fields of a `tl_table` (bits, v8, v16) naming it.
    private func tableFields(_ t: LookupTable, _ name: String, op: IntegerOp, constants: inout ConstantPool) throws -> String {
        guard t.inputBits == 8 || t.inputBits == 16, t.outputBits == 8 || t.outputBits == 16 else {
            throw CExportError.unsupported(op: op.name, reason: "a table from int\(t.inputBits) to int\(t.outputBits)")
        }
        let values = try constants.array(t.outputBits == 8 ? "int8_t" : "int16_t", name, t.values.map(Int64.init), op: op.name)
        return t.outputBits == 8 ? "\(t.inputBits), \(values), 0" : "\(t.inputBits), 0, \(values)"
    }

    private static func addFields(_ k: AddKernel) -> [String] {
        ["\(k.leftShift), \(mult(k.firstMultiplier)), \(mult(k.secondMultiplier)), \(mult(k.outputMultiplier))",
         "\(k.firstZero), \(k.secondZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"]
    }

    private static func requantizeFields(_ k: RequantizeKernel) -> [String] {
        ["\(mult(k.multiplier)), \(k.inputZero), \(k.outputZero), \(k.outputMin), \(k.outputMax)"]
    }

    /// The arena, the reset of persistent tensors (to real 0, their zero point) and the entry point.
    func body(entry: String, inputName: String, reset: String?) -> String {
        let input = graph.input, output = graph.output
        var text = "/* \(graph.name) (\(graph.mode)): head \(plan.headBytes) B + persistent \(plan.persistentBytes) B */\n"
        text += "static uint8_t \(arena)[\(max(plan.arenaBytes, 1))] TL_ALIGN16;\n\n"
        if let reset {
            text += "static int tl_\(prefix)_ready;\n\nvoid \(reset)(void) {\n"
            for name in persistent {
                let t = tensors[name]!
                text += "    tl_fill(\(view(name)), \(t.elements), \(t.quantization.zeroPoint));\n"
            }
            text += "    tl_\(prefix)_ready = 1;\n}\n\n"
        }
        text += "\(entry) {\n"
        if let reset { text += "    if (!tl_\(prefix)_ready) \(reset)();\n" }
        text += "    memcpy(\(arena) + \(offsets[input.name]!), \(inputName), \(input.elements));\n"
        // Each call in its own block: the views it builds die there, so the compiler can give the next
        // call's views the same stack slots (one block for all of them cost Mamba's step 1.2 KB of stack).
        text += calls.map { $0.hasPrefix("/*") ? "    " + $0 : "    { " + $0 + " }" }.joined(separator: "\n") + "\n"
        text += "    memcpy(scores, \(arena) + \(offsets[output.name]!), \(output.elements));\n}\n"
        return text
    }
}
