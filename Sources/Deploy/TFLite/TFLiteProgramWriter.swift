import Compression

/// A quantized `TFLiteProgram` as a .tflite flatbuffer, one TFLite builtin per step (GELU as
/// CAST · ADD · GATHER on its int8 table). Tensors keep the program's names, shapes and
/// quantization; constants go to buffers (shape and axis operands as int32 constants).
public struct TFLiteProgramWriter {
    public let program: TFLiteProgram

    public init(program: TFLiteProgram) {
        self.program = program
    }

    public func write() throws -> [UInt8] {
        var file = FileBuilder(program: program)
        for step in program.steps { try file.add(step) }
        return try FlatBufferSerializer.serialize(root: file.root(), identifier: "TFL3")
    }
}

private struct FileBuilder {
    let program: TFLiteProgram
    private var tensors: [FlatObject] = []
    private var tensorIndex: [String: Int32] = [:]
    private var buffers: [FlatObject] = [.table([])]
    private var codes: [Schema.Builtin] = []
    private var operators: [FlatObject] = []

    init(program: TFLiteProgram) {
        self.program = program
    }

    mutating func add(_ step: TFLiteProgram.Step) throws {
        let y = step.output
        switch step {
        case .fullyConnected(let x, let w, let b, _):
            // Options: fused_activation_function NONE, weights_format DEFAULT, keep_num_dims false.
            try append(.fullyConnected, [try tensor(x), try tensor(w), try tensor(b)], y, options: (.fullyConnected, [.int8(0), .int8(0), .bool(false)]))
        case .add(let a, let c, _):
            try append(.add, [try tensor(a), try tensor(c)], y, options: (.add, [.int8(0)]))
        case .sub(let a, let c, _):
            try append(.sub, [try tensor(a), try tensor(c)], y, options: (.sub, [.int8(0)]))
        case .mul(let a, let c, _):
            try append(.mul, [try tensor(a), try tensor(c)], y, options: (.mul, [.int8(0)]))
        case .mean(let x, let axis, _):
            let axisTensor = int32Constant("\(y).axis", [Int32(axis)])
            try append(.mean, [try tensor(x), axisTensor], y, options: (.reducer, [.bool(true)]))
        case .rsqrt(let x, _, _):
            try append(.rsqrt, [try tensor(x)], y, options: nil)
        case .reshape(let x, _):
            let shape = program.tensor(y).shape.map { Int32($0) }
            let shapeTensor = int32Constant("\(y).shape", shape)
            try append(.reshape, [try tensor(x), shapeTensor], y, options: (.reshape, [.child(.int32s(shape))]))
        case .transpose(let x, let permutation, _):
            let perm = int32Constant("\(y).perm", permutation.map { Int32($0) })
            try append(.transpose, [try tensor(x), perm], y, options: (.transpose, []))
        case .batchMatMul(let a, let c, let adjointB, _):
            // Options: adj_x, adj_y, asymmetric_quantize_inputs.
            try append(.batchMatMul, [try tensor(a), try tensor(c)], y, options: (.batchMatMul, [.bool(false), .bool(adjointB)]))
        case .softmax(let x, _):
            try append(.softmax, [try tensor(x)], y, options: (.softmax, [.float32(1)]))
        case .gelu(let x, _):
            let shape = program.tensor(y).shape.map { Int32($0) }
            let codesTensor = newTensor("\(y).codes", type: .int32, shape: shape, buffer: 0, quantization: nil)
            operators.append(op(.cast, [try tensor(x)], [codesTensor],
                                options: (.cast, [.int8(Schema.TensorType.int8.rawValue), .int8(Schema.TensorType.int32.rawValue)])))
            let offset = int32Constant("\(y).offset", [128])
            let index = newTensor("\(y).index", type: .int32, shape: shape, buffer: 0, quantization: nil)
            operators.append(op(.add, [codesTensor, offset], [index], options: (.add, [.int8(0)])))
            let q = program.tensor(y).quantization!
            let table = TFLiteReference.geluTable(input: program.tensor(x).quantization!, output: q)
            let tableTensor = constant("\(y).table", type: .int8, shape: [256], data: table.map { UInt8(bitPattern: Int8($0)) },
                                       quantization: Self.quantization(q))
            // Options: axis 0, batch_dims 0.
            try append(.gather, [tableTensor, index], y, options: (.gather, [.int32(0), .int32(0)]))
        }
    }

    func root() -> FlatObject {
        let subgraph = FlatObject.table([
            .child(.tables(tensors)), .child(.int32s([tensorIndex[program.input]!])), .child(.int32s([tensorIndex[program.output]!])),
            .child(.tables(operators)), .child(.string(program.name)),
        ])
        let operatorCodes = codes.map { code -> FlatObject in
            .table([.int8(Int8(code.rawValue)), nil, .int32(1), .int32(code.rawValue)])
        }
        return .table([
            .uint32(Schema.modelVersion), .child(.tables(operatorCodes)), .child(.tables([subgraph])),
            .child(.string("tinyloc \(program.name) (decomposed into TFLite Micro builtins)")), .child(.tables(buffers)),
        ])
    }

    /// The index of a program tensor, added on first use (with its data when it is a constant).
    private mutating func tensor(_ name: String) throws -> Int32 {
        if let index = tensorIndex[name] { return index }
        let t = program.tensor(name)
        let shape = t.shape.map { Int32($0) }
        let index: Int32
        if let codes = t.codes {
            if t.isBias {
                let zeros = [Int64](repeating: 0, count: t.channelScales!.count)
                index = constant(name, type: .int32, shape: shape, data: codes.flatMap { FlatField.littleEndian(UInt64(UInt32(bitPattern: $0)), size: 4) },
                                 quantization: Self.perChannel(t.channelScales!, zeros))
            } else if let scales = t.channelScales {
                index = constant(name, type: .int8, shape: shape, data: codes.map { UInt8(bitPattern: Int8($0)) },
                                 quantization: Self.perChannel(scales, [Int64](repeating: 0, count: scales.count)))
            } else {
                index = constant(name, type: .int8, shape: shape, data: codes.map { UInt8(bitPattern: Int8($0)) }, quantization: Self.quantization(t.quantization!))
            }
        } else {
            guard let q = t.quantization else { throw TFLiteExportError.unsupported(model: program.name, op: name, reason: "tensor has no quantization") }
            index = newTensor(name, type: .int8, shape: shape, buffer: 0, quantization: Self.quantization(q))
        }
        tensorIndex[name] = index
        return index
    }

    private mutating func int32Constant(_ name: String, _ values: [Int32]) -> Int32 {
        constant(name, type: .int32, shape: [Int32(values.count)], data: values.flatMap { FlatField.littleEndian(UInt64(UInt32(bitPattern: $0)), size: 4) }, quantization: nil)
    }

    private mutating func newTensor(_ name: String, type: Schema.TensorType, shape: [Int32], buffer: UInt32, quantization: FlatObject?) -> Int32 {
        // Tensor: shape, type, buffer, name, quantization.
        tensors.append(.table([.child(.int32s(shape)), .int8(type.rawValue), .uint32(buffer), .child(.string(name)), quantization.map { .child($0) }]))
        return Int32(tensors.count - 1)
    }

    private mutating func constant(_ name: String, type: Schema.TensorType, shape: [Int32], data: [UInt8], quantization: FlatObject?) -> Int32 {
        // Buffer.data is force_align: 16 in the schema.
        buffers.append(.table([.child(.bytes(data, alignment: 16))]))
        return newTensor(name, type: type, shape: shape, buffer: UInt32(buffers.count - 1), quantization: quantization)
    }

    private mutating func append(_ code: Schema.Builtin, _ inputs: [Int32], _ output: String, options: (Schema.Options, [FlatField?])?) throws {
        let y = try tensor(output)
        operators.append(op(code, inputs, [y], options: options))
    }

    private mutating func op(_ code: Schema.Builtin, _ inputs: [Int32], _ outputs: [Int32], options: (Schema.Options, [FlatField?])?) -> FlatObject {
        if !codes.contains(code) { codes.append(code) }
        let opcode = UInt32(codes.firstIndex(of: code)!)
        // Operator: opcode_index, inputs, outputs, builtin_options_type, builtin_options.
        guard let options else { return .table([.uint32(opcode), .child(.int32s(inputs)), .child(.int32s(outputs))]) }
        return .table([.uint32(opcode), .child(.int32s(inputs)), .child(.int32s(outputs)), .uint8(options.0.rawValue), .child(.table(options.1))])
    }

    private static func quantization(_ q: TensorQuantization) -> FlatObject {
        // QuantizationParameters: min, max, scale, zero_point, details_type, details, quantized_dimension.
        .table([nil, nil, .child(.float32s([q.scale])), .child(.int64s([Int64(q.zeroPoint)]))])
    }

    private static func perChannel(_ scales: [Float], _ zeros: [Int64]) -> FlatObject {
        .table([nil, nil, .child(.float32s(scales)), .child(.int64s(zeros)), nil, nil, .int32(0)])
    }
}
