/// The one graph form every model lowers to, and every later stage reads: float execution,
/// calibration, quantization, the integer engine, the RAM planner, reports and panes.
///
/// A graph runs one window (or, streaming, one step) at batch 1. Every tensor is a row-major
/// matrix [rows, columns]: rows are time steps (or 1), columns are features. Ops are listed in
/// execution order; an op reads `Operand`s (a tensor, or a band of its columns — a view, never a
/// copy, as the split of a packed projection is on a chip) and writes whole tensors. Weights are
/// named float arrays that live in flash; persistent tensors keep their values between runs.
public struct Graph: Sendable, Codable, Equatable {
    public var name: String
    public var mode: ExecutionMode
    public var tensors: [GraphTensor]
    public var ops: [GraphOp]
    public var weights: [Weight]

    public init(name: String, mode: ExecutionMode) {
        self.name = name
        self.mode = mode
        tensors = []
        ops = []
        weights = []
    }

    public var inputs: [GraphTensor] { tensors.filter { $0.role == .input } }
    public var outputs: [GraphTensor] { tensors.filter { $0.role == .output } }

    public func tensor(_ name: String) -> GraphTensor? { tensors.first { $0.name == name } }
    public func weight(_ name: String) -> Weight? { weights.first { $0.name == name } }

    /// Layer names in order of first appearance.
    public var layers: [String] {
        var seen = Set<String>()
        return ops.map(\.layer).filter { seen.insert($0).inserted }
    }

    public var totalMACs: Int { ops.reduce(0) { $0 + $1.macs } }
    public var parameterCount: Int { weights.reduce(0) { $0 + $1.values.count } }

    // MARK: building

    /// Adds a tensor and returns an operand reading all of it, so lowerings read as a chain.
    @discardableResult
    public mutating func tensor(_ name: String, rows: Int, columns: Int, _ role: GraphTensor.Role = .activation) -> Operand {
        tensors.append(GraphTensor(name: name, rows: rows, columns: columns, role: role))
        return Operand(name)
    }

    /// Adds a weight (shape as stored: row-major) and returns its name.
    @discardableResult
    public mutating func weight(_ name: String, shape: [Int], _ values: [Float]) -> String {
        precondition(shape.reduce(1, *) == values.count, "weight \(name): \(values.count) values for shape \(shape)")
        weights.append(Weight(name: name, shape: shape, values: values))
        return name
    }

    public mutating func op(_ name: String, layer: String, _ kind: OpKind, inputs: [Operand], outputs: [String],
                            macs: Int = 0) {
        ops.append(GraphOp(name: name, layer: layer, kind: kind, inputs: inputs, outputs: outputs, macs: macs))
    }
}

/// Whether the model sees a whole window per invocation or one step of it.
public enum ExecutionMode: String, Sendable, Codable, CaseIterable {
    /// One invocation per window [T, F]: activations hold T rows.
    case windowed
    /// One invocation per step [1, F], state carried between steps; sizes do not depend on T.
    case streaming
}

public struct GraphTensor: Sendable, Codable, Equatable {
    /// What a tensor is for, which decides its lifetime in the arena plan.
    public enum Role: String, Sendable, Codable {
        /// Written by the caller before the first op.
        case input
        /// Written by one op, read by later ones.
        case activation
        /// The model's result, live to the end.
        case output
        /// Kept across invocations (a recurrent state, a conv history, a running sum).
        case persistent
    }

    public var name: String
    public var rows: Int
    public var columns: Int
    public var role: Role
    public var elements: Int { rows * columns }
}

/// A tensor read whole, or a band of its columns [offset, offset + columns).
public struct Operand: Sendable, Codable, Equatable, Hashable {
    public var tensor: String
    public var columnOffset: Int
    /// nil: every column from the offset on.
    public var columns: Int?

    public init(_ tensor: String, columnOffset: Int = 0, columns: Int? = nil) {
        self.tensor = tensor
        self.columnOffset = columnOffset
        self.columns = columns
    }

    /// The band [offset, offset + count) of this operand's tensor.
    public func band(_ offset: Int, _ count: Int) -> Operand { Operand(tensor, columnOffset: columnOffset + offset, columns: count) }
}

public struct Weight: Sendable, Codable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Elementwise functions of one value, each with an exact float definition (`FloatFunctions`).
public enum UnaryFunction: String, Sendable, Codable, CaseIterable {
    case relu, gelu, silu, sigmoid, tanh, softplus, elu, exp
}

public struct GraphOp: Sendable, Codable, Equatable {
    public var name: String
    /// The model layer the op belongs to ("embed", "block0", "head"…).
    public var layer: String
    public var kind: OpKind
    public var inputs: [Operand]
    public var outputs: [String]
    public var macs: Int
}

/// What an op computes (the float semantics; `FloatInterpreter` is its definition in code).
/// Weight names refer to `Graph.weights`. Shapes are per operand, [rows, columns].
public enum OpKind: Sendable, Codable, Equatable {
    /// y[r] = x[r]·W + b, W [in, out] input-major; `flatten` reads the whole input as one row
    /// (row-major [rows·cols]). `relu` fuses max(0, ·) into the output.
    case fullyConnected(weight: String, bias: String?, relu: Bool, flatten: Bool)
    /// y = a + b, same shape.
    case add
    /// y = x + P for a weight P of the input's shape (a learned position table).
    case addWeight(String)
    /// y = a ⊙ b, same shape.
    case mul
    case unary(UnaryFunction)
    /// Per row: (x − μ)/√(σ² + ε) ⊙ γ + β.
    case layerNorm(gamma: String, beta: String, epsilon: Float)
    /// Per row: x/√(mean x² + ε) ⊙ w.
    case rmsNorm(weight: String, epsilon: Float)
    /// Multi-head scaled dot-product attention without mask; inputs Q [Tq, d], K [T, d], V [T, d]
    /// (bands of one packed projection, or separate tensors); softmax(Q_h·K_hᵀ/√dₕ)·V_h per head.
    /// `queries` set: only the last that many rows of Q ask (the output has that many rows).
    case attention(heads: Int, queries: Int?)
    /// 1-D convolution over rows, W [k·Cin, Cout] (row j·Cin + c is tap j of input channel c),
    /// bias [Cout]; y[t] reads rows t·stride + j − padding, zeros outside the input.
    case conv1d(weight: String, bias: String?, kernel: Int, stride: Int, padding: Int)
    /// n inputs [T, C] → [n·T, C]: row t·n + i is row t of input i.
    case interleaveRows
    /// [T, C] → [1, C]: the mean over rows.
    case meanRows
    /// [T, C] → [1, C]: the last row.
    case lastRow
    /// [T, C] → [⌊T/size⌋, C]: the max of each run of `size` rows; trailing rows dropped.
    case maxPoolRows(size: Int)
    /// Depthwise causal convolution over rows, W [k, C] tap-major (tap k−1 is the current row),
    /// bias [C], zeros before the first row. Streaming: a second input and output, the persistent
    /// history of the last k−1 rows (oldest first).
    case causalDepthwiseConv(weight: String, bias: String)
    /// Mamba's selective scan over rows, inputs u [T, E], Δ [T, E], B [T, N], C [T, N]:
    /// h_t = exp(Δ_t·A) ⊙ h_{t−1} + (Δ_t·u_t) ⊗ B_t, y_t = h_t·C_t + D ⊙ u_t, A = −exp(A_log)
    /// [E, N]. Streaming: a fifth input and second output, the persistent state h [E, N].
    case selectiveScan(aLog: String, d: String)
    /// LSTM over rows (gates i, f, g, o), Wx [F, 4H], Wh [H, 4H], bias [4H] → every h_t [T, H].
    case lstm(inputWeight: String, recurrentWeight: String, bias: String)
    /// Streaming mean pooling: adds the row to a persistent sum (second input and output) and
    /// writes sum / steps, which after `steps` steps equals `meanRows` of the window.
    case runningMean(steps: Int)
}

public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownTensor(op: String, tensor: String)
    case unknownWeight(op: String, weight: String)
    case shape(op: String, String)
    case input(String)

    public var description: String {
        switch self {
        case .unknownTensor(let op, let tensor): return "op \(op) reads or writes an unknown tensor '\(tensor)'"
        case .unknownWeight(let op, let weight): return "op \(op) names an unknown weight '\(weight)'"
        case .shape(let op, let message): return "op \(op): \(message)"
        case .input(let message): return message
        }
    }
}
