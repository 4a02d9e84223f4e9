import Graph

/// A graph whose every tensor is stored as integers and whose every op is an integer kernel
/// (`IntegerKernel`): what runs on the chip, made from a float `Graph` by `GraphQuantizer`.
/// Same tensor and op names, same order, same operands as the float graph it came from.
public struct IntegerGraph: Sendable, Codable, Equatable {
    public var name: String
    public var mode: ExecutionMode
    public var tensors: [IntegerTensor]
    public var ops: [IntegerOp]

    public func tensor(_ name: String) -> IntegerTensor? { tensors.first { $0.name == name } }
    public var input: IntegerTensor { tensors.first { $0.role == .input }! }
    public var output: IntegerTensor { tensors.first { $0.role == .output }! }
    public var totalMACs: Int { ops.reduce(0) { $0 + $1.macs } }
    /// Ops a precision plan keeps in float (fp16 or float32 weights): declared float islands.
    /// None under the default plan: every op has an integer kernel.
    public var floatIslands: [String] {
        ops.filter { if case .floatIsland = $0.kernel { return true } else { return false } }.map(\.name)
    }
}

public struct IntegerTensor: Sendable, Codable, Equatable {
    public var name: String
    public var rows: Int
    public var columns: Int
    public var role: GraphTensor.Role
    public var quantization: TensorQuantization
    public var elements: Int { rows * columns }
    public var bytes: Int { elements * quantization.bytesPerElement }
}

public struct IntegerOp: Sendable, Codable, Equatable {
    public var name: String
    public var layer: String
    public var kernel: IntegerKernel
    public var inputs: [Operand]
    public var outputs: [String]
    public var macs: Int
    /// Working memory of the kernel while it runs (bytes), e.g. a row of attention scores.
    public var scratchBytes: Int
}

/// The integer kernels. Every one reads and writes integer tensors only; see `IntegerKernels`
/// for the arithmetic of each.
public enum IntegerKernel: Sendable, Codable, Equatable {
    case fullyConnected(FullyConnectedKernel)
    case add(AddKernel)
    /// ADD with a constant tensor (a quantized position table) as its second operand.
    case addConstant(AddKernel, constant: [Int32])
    case mul(MulKernel)
    case table(LookupTable)
    case layerNorm(NormKernel)
    case rmsNorm(NormKernel)
    case attention(AttentionKernel)
    case conv1d(Conv1dKernel)
    /// Each input requantized to the output's quantization as it is interleaved.
    case interleave([RequantizeKernel])
    case meanRows(RequantizeKernel)
    case lastRow
    case maxPool(size: Int)
    case depthwiseConv(DepthwiseConvKernel)
    case selectiveScan(ScanKernel)
    case lstm(LSTMKernel)
    case runningMean(RequantizeKernel)
    /// The float op itself between a dequantization of its input and a quantization of its output.
    case floatIsland(FloatIsland)

    public var typeName: String {
        switch self {
        case .fullyConnected: return "FULLY_CONNECTED"
        case .add: return "ADD"
        case .addConstant: return "ADD_CONST"
        case .mul: return "MUL"
        case .table(let t): return "LUT(\(t.function.rawValue))"
        case .layerNorm: return "LAYER_NORM"
        case .rmsNorm: return "RMS_NORM"
        case .attention: return "ATTENTION"
        case .conv1d: return "CONV_1D"
        case .interleave: return "INTERLEAVE"
        case .meanRows: return "MEAN"
        case .lastRow: return "LAST_ROW"
        case .maxPool: return "MAX_POOL"
        case .depthwiseConv: return "DEPTHWISE_CONV"
        case .selectiveScan: return "SELECTIVE_SCAN"
        case .lstm: return "LSTM"
        case .runningMean: return "RUNNING_MEAN"
        case .floatIsland(let island): return "FLOAT(\(island.graph.ops[0].kind.typeName), \(island.precision.rawValue))"
        }
    }

    /// Whether a precision plan sets this kernel's weights (the integer form of an op with one main
    /// weight, or that op kept in float).
    public var hasPlannedWeights: Bool {
        switch self {
        case .fullyConnected, .conv1d, .depthwiseConv, .lstm, .floatIsland: return true
        default: return false
        }
    }

    /// Read-only bytes in flash, as the C export lays them out: weights at their bit width,
    /// int32 biases, per-channel Q31 multipliers and shifts (4 + 4 B each), tables at their
    /// element width, constants. Code is not counted.
    public var flashBytes: Int {
        let multiplier = 8
        switch self {
        case .fullyConnected(let k):
            return k.weights.storedBytes + k.weights.outFeatures * 4 + k.weights.multiplierBytes
        case .add: return 3 * multiplier
        case .addConstant(_, let constant): return 3 * multiplier + constant.count
        case .meanRows, .runningMean, .mul: return multiplier
        case .interleave(let inputs): return inputs.count * multiplier
        case .table(let t): return t.values.count * (t.outputBits == 8 ? 1 : 2)
        case .layerNorm(let k), .rmsNorm(let k): return k.multipliers.count * (multiplier + 4 + 1)
        case .attention: return 2 * multiplier
        case .conv1d(let k): return k.weights.storedBytes + k.weights.outFeatures * 4 + k.weights.multiplierBytes
        case .lastRow, .maxPool: return 0
        case .depthwiseConv(let k): return k.weights.storedBytes + k.weights.outFeatures * 4 + k.weights.multiplierBytes
        case .selectiveScan(let k): return k.decayRates.count * 2 + k.skip.count * 2 + 4 * multiplier
        case .lstm(let k):
            return k.inputWeights.storedBytes + k.recurrentWeights.storedBytes + k.bias.count * 4 + k.inputWeights.multiplierBytes
                + k.recurrentWeights.multiplierBytes
                + multiplier + 2 * 513 * 2
        case .floatIsland(let island):
            return island.graph.parameterCount * (island.precision == .fp16 ? 2 : 4) + 16
        }
    }
}

/// An op run in float inside the integer graph, as a precision plan asks for fp16 or float32
/// weights: its input is dequantized, the float op runs (with weights rounded to half precision
/// for fp16), its output is quantized. `graph` holds that one op, its weights and [rows, columns]
/// input and output tensors.
public struct FloatIsland: Sendable, Codable, Equatable {
    public var graph: Graph
    public var precision: PrecisionPlan.WeightPrecision
    public var input: TensorQuantization
    public var output: TensorQuantization
}
