import Compression
import Graph

/// An integer graph as a TensorFlow Lite flatbuffer (schema "TFL3"), for TensorFlow Lite Micro.
///
/// Each tinyloc kernel becomes the TFLite builtin that computes the same integers:
/// - FULLY_CONNECTED → FULLY_CONNECTED (per-channel int8 filter [out, in], int32 bias with
///   scale s_x·s_w[c], fused ReLU when the output's floor is its zero point). A kernel that flattens
///   its rows reads them through a RESHAPE to [1, rows·columns], as a converted Keras Flatten does.
///   Per-row FULLY_CONNECTED (the cnn's kernel-1 convolutions) runs on every row of a [T, C] input,
///   as TFLite's FULLY_CONNECTED does for all leading dimensions.
/// - MAX_POOL → MAX_POOL_2D on a one-row NHWC image [1, 1, T, C] with a 1×size window and stride,
///   VALID (flooring, as tinyloc's pool).
/// Tensors keep tinyloc's names and quantization: int8 activations with their scale and zero
/// point, symmetric int8 weights with one scale per output channel (zero points 0).
///
/// Anything else is refused, naming the ops: TFLite Micro has no kernel that gives tinyloc's
/// integers for LAYER_NORM, ATTENTION, SELECTIVE_SCAN, the causal CONV_1D and the rest, and int4
/// weights or int16 activations are not what this writer emits.
public struct TFLiteWriter {
    public let graph: IntegerGraph

    public init(graph: IntegerGraph) {
        self.graph = graph
    }

    /// The kernels this writer maps, as their `IntegerKernel.typeName`s.
    public static let supportedKernels = ["FULLY_CONNECTED", "MAX_POOL"]

    static func maps(_ kernel: IntegerKernel) -> Bool {
        switch kernel {
        case .fullyConnected, .maxPool: return true
        default: return false
        }
    }

    public func write() throws -> [UInt8] {
        var unsupported: [(kernel: String, ops: [String])] = []
        for op in graph.ops where !Self.maps(op.kernel) {
            if let i = unsupported.firstIndex(where: { $0.kernel == op.kernel.typeName }) {
                unsupported[i].ops.append(op.name)
            } else {
                unsupported.append((op.kernel.typeName, [op.name]))
            }
        }
        if !unsupported.isEmpty {
            throw TFLiteExportError.unsupportedKernels(model: graph.name, kernels: unsupported.map { "\($0.kernel) (\($0.ops.joined(separator: ", ")))" })
        }
        var model = ModelBuilder(graph: graph)
        for op in graph.ops { try model.add(op) }
        return try FlatBufferSerializer.serialize(root: model.root(), identifier: "TFL3")
    }
}

public enum TFLiteExportError: Error, CustomStringConvertible, Equatable {
    case unsupportedKernels(model: String, kernels: [String])
    case unsupported(model: String, op: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedKernels(let model, let kernels):
            return "tflite export of \(model): the writer maps \(TFLiteWriter.supportedKernels.joined(separator: " and ")) only (mlp, cnn), "
                + "and this model also has \(kernels.joined(separator: "; ")); TensorFlow Lite Micro has no kernel for these "
                + "(the student transformers go to .tflite decomposed into builtins by TFLiteDecomposition), so export it as C instead (docs/EXPORT.md)"
        case .unsupported(let model, let op, let reason):
            return "tflite export of \(model): op \(op): \(reason)"
        }
    }
}

/// Codes and option tables of the TFLite schema (tensorflow/compiler/mlir/lite/schema/schema.fbs).
enum Schema {
    enum TensorType: Int8 { case int32 = 2, int8 = 9 }
    enum Builtin: Int32 {
        case add = 0, fullyConnected = 9, maxPool2d = 17, mul = 18, reshape = 22, softmax = 25, gather = 36, transpose = 39
        case mean = 40, sub = 41, cast = 53, rsqrt = 76, batchMatMul = 126
    }
    /// Indices in the BuiltinOptions union (1-based; 0 is NONE).
    enum Options: UInt8 {
        case pool2d = 5, fullyConnected = 8, softmax = 9, add = 11, reshape = 17, mul = 21, gather = 23, transpose = 26
        case reducer = 27, sub = 28, cast = 37, batchMatMul = 101
    }
    enum Activation: Int8 { case none = 0, relu = 1 }
    static let paddingValid: Int8 = 1
    /// Model.version of every file the current schema describes.
    static let modelVersion: UInt32 = 3
}

/// Collects tensors, buffers, operator codes and operators while the ops are translated.
private struct ModelBuilder {
    let graph: IntegerGraph
    private var tensors: [FlatObject] = []
    private var tensorIndex: [String: Int32] = [:]
    /// Buffer 0 is the empty buffer every tensor without data points to (the schema's convention).
    private var buffers: [FlatObject] = [.table([])]
    private var codes: [Schema.Builtin] = []
    private var operators: [FlatObject] = []
    /// Activation tensors that MAX_POOL_2D reads or writes: shaped as one-row NHWC images.
    private let imageTensors: Set<String>

    init(graph: IntegerGraph) {
        self.graph = graph
        var images = Set<String>()
        for op in graph.ops {
            switch op.kernel {
            case .maxPool: images.formUnion(op.inputs.map(\.tensor) + op.outputs)
            default: break
            }
        }
        imageTensors = images
    }

    mutating func add(_ op: IntegerOp) throws {
        guard op.inputs.count == 1, op.outputs.count == 1 else {
            throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "\(op.inputs.count) inputs and \(op.outputs.count) outputs, not one of each")
        }
        let x = try activation(op.inputs[0].tensor, op: op)
        let y = try activation(op.outputs[0], op: op)
        if op.inputs[0].columnOffset != 0 || (op.inputs[0].columns ?? x.columns) != x.columns {
            throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "reads a column band of \(x.name), which TFLite has no view for")
        }
        switch op.kernel {
        case .fullyConnected(let k):
            var input = try tensor(x)
            if k.flatten && x.rows > 1 {
                let flat = [Int32(1), Int32(x.elements)]
                let shape = constant("\(op.name).flatten.shape", type: .int32, shape: [2], data: flat.flatMap(Self.bytes), quantization: nil)
                let flattened = newTensor("\(x.name).flat", type: .int8, shape: flat, buffer: 0, quantization: Self.quantization(x.quantization))
                append(.reshape, inputs: [input, shape], outputs: [flattened],
                       options: (.reshape, [.child(.int32s(flat))]))
                input = flattened
            }
            let (filter, bias) = try weights(k.weights, bias: k.bias, input: x.quantization, shape: [k.weights.outFeatures, k.weights.inFeatures], op: op)
            let activation = try fusedActivation(min: k.outputMin, max: k.outputMax, output: y.quantization, op: op)
            append(.fullyConnected, inputs: [input, filter, bias], outputs: [try tensor(y)],
                   options: (.fullyConnected, [.int8(activation.rawValue)]))
        case .maxPool(let size):
            guard x.quantization == y.quantization else {
                throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "MAX_POOL_2D needs the input's quantization on its output")
            }
            append(.maxPool2d, inputs: [try tensor(x)], outputs: [try tensor(y)],
                   options: (.pool2d, [.int8(Schema.paddingValid), .int32(Int32(size)), .int32(1), .int32(Int32(size)), .int32(1)]))
        default:
            preconditionFailure("TFLiteWriter.write refuses \(op.kernel.typeName) before building")
        }
    }

    func root() -> FlatObject {
        let inputs = graph.tensors.filter { $0.role == .input }.compactMap { tensorIndex[$0.name] }
        let outputs = graph.tensors.filter { $0.role == .output }.compactMap { tensorIndex[$0.name] }
        let subgraph = FlatObject.table([
            .child(.tables(tensors)), .child(.int32s(inputs)), .child(.int32s(outputs)), .child(.tables(operators)), .child(.string(graph.name)),
        ])
        let operatorCodes = codes.map { code -> FlatObject in
            // deprecated_builtin_code (a byte, for old readers), custom_code, version, builtin_code.
            .table([.int8(Int8(code.rawValue)), nil, .int32(1), .int32(code.rawValue)])
        }
        return .table([
            .uint32(Schema.modelVersion), .child(.tables(operatorCodes)), .child(.tables([subgraph])),
            .child(.string("tinyloc \(graph.name)")), .child(.tables(buffers)),
        ])
    }

    private func activation(_ name: String, op: IntegerOp) throws -> IntegerTensor {
        guard let t = graph.tensor(name) else {
            throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "tensor \(name) is not in the graph")
        }
        guard t.quantization.bits == 8 else {
            throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "tensor \(name) is int\(t.quantization.bits); the writer emits int8 activations only")
        }
        return t
    }

    /// The index of an activation tensor, added on first use.
    private mutating func tensor(_ t: IntegerTensor) throws -> Int32 {
        if let index = tensorIndex[t.name] { return index }
        let shape = imageTensors.contains(t.name) ? [1, 1, t.rows, t.columns] : [t.rows, t.columns]
        let index = newTensor(t.name, type: .int8, shape: shape.map { Int32($0) }, buffer: 0, quantization: Self.quantization(t.quantization))
        tensorIndex[t.name] = index
        return index
    }

    private mutating func newTensor(_ name: String, type: Schema.TensorType, shape: [Int32], buffer: UInt32, quantization: FlatObject?) -> Int32 {
        // Tensor: shape, type, buffer, name, quantization.
        tensors.append(.table([.child(.int32s(shape)), .int8(type.rawValue), .uint32(buffer), .child(.string(name)), quantization.map { .child($0) }]))
        return Int32(tensors.count - 1)
    }

    private mutating func constant(_ name: String, type: Schema.TensorType, shape: [Int], data: [UInt8], quantization: FlatObject?) -> Int32 {
        // Buffer.data is force_align: 16 in the schema.
        buffers.append(.table([.child(.bytes(data, alignment: 16))]))
        return newTensor(name, type: type, shape: shape.map { Int32($0) }, buffer: UInt32(buffers.count - 1), quantization: quantization)
    }

    /// The int8 filter (per output channel, dimension 0) and the int32 bias (scale s_x·s_w[c]).
    private mutating func weights(_ w: SymmetricPerChannelWeights, bias: [Int32], input: TensorQuantization, shape: [Int], op: IntegerOp) throws -> (Int32, Int32) {
        guard w.bits == 8 else {
            throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "int\(w.bits) weights; the writer emits int8 weights only")
        }
        let zeros = [Int64](repeating: 0, count: w.outFeatures)
        let filter = constant("\(op.name).weight", type: .int8, shape: shape, data: w.values.map { UInt8(bitPattern: Int8($0)) },
                              quantization: Self.perChannel(scales: w.scales, zeros: zeros))
        let biasScales = w.scales.map { Float(Double(input.scale) * Double($0)) }
        let biasTensor = constant("\(op.name).bias", type: .int32, shape: [w.outFeatures], data: bias.flatMap(Self.bytes),
                                  quantization: Self.perChannel(scales: biasScales, zeros: zeros))
        return (filter, biasTensor)
    }

    /// TFLite derives the clamp from the fused activation: NONE gives −128…127, RELU z_y…127.
    private func fusedActivation(min: Int32, max: Int32, output: TensorQuantization, op: IntegerOp) throws -> Schema.Activation {
        if min == output.qmin && max == output.qmax { return .none }
        if min == Swift.max(output.qmin, output.zeroPoint) && max == output.qmax { return .relu }
        throw TFLiteExportError.unsupported(model: graph.name, op: op.name, reason: "output clamp \(min)…\(max) is neither no activation nor ReLU")
    }

    private mutating func append(_ code: Schema.Builtin, inputs: [Int32], outputs: [Int32], options: (Schema.Options, [FlatField?])) {
        if !codes.contains(code) { codes.append(code) }
        let opcode = UInt32(codes.firstIndex(of: code)!)
        // Operator: opcode_index, inputs, outputs, builtin_options_type, builtin_options.
        operators.append(.table([.uint32(opcode), .child(.int32s(inputs)), .child(.int32s(outputs)), .uint8(options.0.rawValue), .child(.table(options.1))]))
    }

    private static func quantization(_ q: TensorQuantization) -> FlatObject {
        // QuantizationParameters: min, max, scale, zero_point, details_type, details, quantized_dimension.
        .table([nil, nil, .child(.float32s([q.scale])), .child(.int64s([Int64(q.zeroPoint)]))])
    }

    private static func perChannel(scales: [Float], zeros: [Int64]) -> FlatObject {
        .table([nil, nil, .child(.float32s(scales)), .child(.int64s(zeros)), nil, nil, .int32(0)])
    }

    private static func bytes(_ v: Int32) -> [UInt8] { FlatField.littleEndian(UInt64(UInt32(bitPattern: v)), size: 4) }
}
