import Compression
import Foundation

/// A model spelled in TensorFlow Lite Micro builtins: named tensors with TFLite shapes and ops in
/// execution order. The same program runs in float (to calibrate every tensor), in TFLite's int8
/// arithmetic (`TFLiteReference`, to predict what TFLM outputs) and is written as a .tflite file
/// (`TFLiteProgramWriter`), so the three cannot drift apart.
///
/// Built by `TFLiteDecomposition` for models whose kernels TFLM lacks (layer norm, attention, GELU).
public struct TFLiteProgram: Sendable {
    public enum Step: Sendable, Equatable {
        /// y[r] = W·x[r] + b; W [out, in] (TFLite's filter layout), per-channel int8, int32 bias.
        case fullyConnected(input: String, weight: String, bias: String, output: String)
        /// Elementwise with broadcasting (numpy rules).
        case add(String, String, output: String)
        case sub(String, String, output: String)
        case mul(String, String, output: String)
        /// Mean over one axis, keeping it (size 1).
        case mean(input: String, axis: Int, output: String)
        /// 1/√(x + ε); ε only in float: in int8 it is below one step of the input and TFLM
        /// gives its largest code for a zero input.
        case rsqrt(input: String, epsilon: Float, output: String)
        case reshape(input: String, output: String)
        /// Rank-3 permutation.
        case transpose(input: String, permutation: [Int], output: String)
        /// [B, M, K]·[B, K, N] → [B, M, N]; `adjointB`: b is [B, N, K].
        case batchMatMul(String, String, adjointB: Bool, output: String)
        /// Over the last axis, β = 1; int8 output scale 1/256, zero point −128 (TFLM requires it).
        case softmax(input: String, output: String)
        /// Exact GELU, x·Φ(x). TFLM has no GELU kernel: the file computes it as a 256-entry int8
        /// table read with GATHER (CAST to int32, ADD 128), which is exact in int8.
        case gelu(input: String, output: String)

        /// The TFLite builtins the step is written as.
        public var builtin: String {
            switch self {
            case .fullyConnected: return "FULLY_CONNECTED"
            case .add: return "ADD"
            case .sub: return "SUB"
            case .mul: return "MUL"
            case .mean: return "MEAN"
            case .rsqrt: return "RSQRT"
            case .reshape: return "RESHAPE"
            case .transpose: return "TRANSPOSE"
            case .batchMatMul: return "BATCH_MATMUL"
            case .softmax: return "SOFTMAX"
            case .gelu: return "GELU as CAST+ADD+GATHER"
            }
        }

        /// How many TFLite operators the step is written as.
        public var operatorCount: Int {
            if case .gelu = self { return 3 }
            return 1
        }

        public var output: String {
            switch self {
            case .fullyConnected(_, _, _, let y), .add(_, _, let y), .sub(_, _, let y), .mul(_, _, let y), .mean(_, _, let y),
                 .rsqrt(_, _, let y), .reshape(_, let y), .transpose(_, _, let y), .batchMatMul(_, _, _, let y), .softmax(_, let y),
                 .gelu(_, let y):
                return y
            }
        }
    }

    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// Float values of a constant (weights, biases, tables); nil for activations.
        public var constant: [Float]?
        /// Set by `quantized(calibration:)`: activations and int8 constants.
        public var quantization: TensorQuantization?
        /// Per output channel (dimension 0) scales of an FC filter or of its int32 bias.
        public var channelScales: [Float]?
        /// Integer codes of a quantized constant (int8 filter / table, or int32 bias).
        public var codes: [Int32]?
        public var isBias = false

        public var elements: Int { shape.reduce(1, *) }
    }

    public var name: String
    public private(set) var tensors: [Tensor] = []
    private var index: [String: Int] = [:]
    public var steps: [Step] = []
    public var input: String
    public var output: String

    public init(name: String, input: String, output: String) {
        self.name = name
        self.input = input
        self.output = output
    }

    public func tensor(_ name: String) -> Tensor { tensors[index[name]!] }
    public func has(_ name: String) -> Bool { index[name] != nil }

    public mutating func addTensor(_ name: String, shape: [Int], constant: [Float]? = nil) {
        precondition(index[name] == nil, "tensor \(name) added twice")
        precondition(constant.map { $0.count == shape.reduce(1, *) } ?? true, "constant \(name): size \(constant!.count) for \(shape)")
        index[name] = tensors.count
        tensors.append(Tensor(name: name, shape: shape, constant: constant))
    }

    mutating func update(_ name: String, _ change: (inout Tensor) -> Void) { change(&tensors[index[name]!]) }

    // MARK: float

    /// Runs the program in float on one input (row-major); `observe` sees every activation.
    @discardableResult
    public func runFloat(_ x: [Float], observe: ((String, [Float]) -> Void)? = nil) -> [Float] {
        var values: [String: [Float]] = [input: x]
        for t in tensors { if let c = t.constant { values[t.name] = c } }
        observe?(input, x)
        for step in steps {
            let y = evaluateFloat(step, values)
            values[step.output] = y
            observe?(step.output, y)
        }
        return values[output]!
    }

    private func evaluateFloat(_ step: Step, _ v: [String: [Float]]) -> [Float] {
        switch step {
        case .fullyConnected(let x, let w, let b, let y):
            let input = v[x]!, weight = v[w]!, bias = v[b]!
            let n = tensor(w).shape[1], m = tensor(w).shape[0], rows = tensor(y).elements / m
            var out = [Float](repeating: 0, count: rows * m)
            for r in 0..<rows {
                for o in 0..<m {
                    var acc = bias[o]
                    for i in 0..<n { acc += input[r * n + i] * weight[o * n + i] }
                    out[r * m + o] = acc
                }
            }
            return out
        case .add(let a, let b, let y): return Broadcast(tensor(a).shape, tensor(b).shape, tensor(y).shape).map(v[a]!, v[b]!, +)
        case .sub(let a, let b, let y): return Broadcast(tensor(a).shape, tensor(b).shape, tensor(y).shape).map(v[a]!, v[b]!, -)
        case .mul(let a, let b, let y): return Broadcast(tensor(a).shape, tensor(b).shape, tensor(y).shape).map(v[a]!, v[b]!, *)
        case .mean(let x, let axis, _):
            let sums = Reduction(shape: tensor(x).shape, axis: axis).sums(v[x]!.map(Double.init))
            let n = Double(tensor(x).shape[axis])
            return sums.map { Float($0 / n) }
        case .rsqrt(let x, let epsilon, _): return v[x]!.map { 1 / ($0 + epsilon).squareRoot() }
        case .reshape(let x, _): return v[x]!
        case .transpose(let x, let permutation, _): return Self.transpose(v[x]!, shape: tensor(x).shape, permutation: permutation)
        case .batchMatMul(let a, let b, let adjointB, _):
            let product = MatMulShape(a: tensor(a).shape, b: tensor(b).shape, adjointB: adjointB)
            return product.map(v[a]!, v[b]!, zero: Float(0)) { $0 + $1 * $2 }
        case .softmax(let x, _):
            let values = v[x]!, depth = tensor(x).shape.last!
            var out = values
            for row in 0..<(values.count / depth) {
                let slice = values[(row * depth)..<((row + 1) * depth)]
                let top = slice.max()!
                let exps = slice.map { Foundation.exp(Double($0 - top)) }
                let total = exps.reduce(0, +)
                for (j, e) in exps.enumerated() { out[row * depth + j] = Float(e / total) }
            }
            return out
        case .gelu(let x, _): return v[x]!.map { Float(Self.gelu(Double($0))) }
        }
    }

    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

    static func transpose<T>(_ x: [T], shape: [Int], permutation: [Int]) -> [T] {
        precondition(shape.count == 3 && permutation.count == 3)
        let outShape = permutation.map { shape[$0] }
        let strides = [shape[1] * shape[2], shape[2], 1]
        var out = [T]()
        out.reserveCapacity(x.count)
        for i in 0..<outShape[0] {
            for j in 0..<outShape[1] {
                for k in 0..<outShape[2] {
                    let position = [i, j, k]
                    var source = 0
                    for d in 0..<3 { source += position[d] * strides[permutation[d]] }
                    out.append(x[source])
                }
            }
        }
        return out
    }
}

/// Elementwise broadcasting of two shapes to an output shape (numpy rules, aligned right).
struct Broadcast {
    let a: [Int], b: [Int], out: [Int]

    init(_ a: [Int], _ b: [Int], _ out: [Int]) {
        let rank = out.count
        self.a = [Int](repeating: 1, count: rank - a.count) + a
        self.b = [Int](repeating: 1, count: rank - b.count) + b
        self.out = out
    }

    /// The flat index into a and b of every output element, in order.
    func sources() -> [(Int, Int)] {
        let total = out.reduce(1, *)
        func strides(_ s: [Int]) -> [Int] {
            var result = [Int](repeating: 0, count: s.count), step = 1
            for d in stride(from: s.count - 1, through: 0, by: -1) {
                result[d] = s[d] == 1 ? 0 : step
                step *= s[d]
            }
            return result
        }
        let sa = strides(a), sb = strides(b)
        var result: [(Int, Int)] = []
        result.reserveCapacity(total)
        for flat in 0..<total {
            var rest = flat, ia = 0, ib = 0
            for d in stride(from: out.count - 1, through: 0, by: -1) {
                let coordinate = rest % out[d]
                rest /= out[d]
                ia += coordinate * sa[d]
                ib += coordinate * sb[d]
            }
            result.append((ia, ib))
        }
        return result
    }

    func map<T, U>(_ x: [T], _ y: [T], _ f: (T, T) -> U) -> [U] { sources().map { f(x[$0.0], y[$0.1]) } }
}

/// Sums over one axis of a row-major tensor, the axis kept as size 1.
struct Reduction {
    let outer: Int, length: Int, inner: Int

    init(shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }

    func sums<T: AdditiveArithmetic>(_ x: [T]) -> [T] {
        var out = [T](repeating: .zero, count: outer * inner)
        for o in 0..<outer {
            for j in 0..<length {
                for i in 0..<inner { out[o * inner + i] += x[(o * length + j) * inner + i] }
            }
        }
        return out
    }
}

/// The loops of BATCH_MATMUL on rank-3 operands of equal batch.
struct MatMulShape {
    let batch: Int, m: Int, k: Int, n: Int, adjointB: Bool

    init(a: [Int], b: [Int], adjointB: Bool) {
        precondition(a.count == 3 && b.count == 3 && a[0] == b[0], "BATCH_MATMUL of \(a) and \(b)")
        batch = a[0]
        m = a[1]
        k = a[2]
        n = adjointB ? b[1] : b[2]
        self.adjointB = adjointB
    }

    /// out[b, i, j] = fold over t of (a[b, i, t], b[b, t, j]).
    func map<T, U>(_ x: [T], _ y: [T], zero: U, _ accumulate: (U, T, T) -> U) -> [U] {
        var out = [U](repeating: zero, count: batch * m * n)
        for b in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var acc = zero
                    for t in 0..<k {
                        let right = adjointB ? y[(b * n + j) * k + t] : y[(b * k + t) * n + j]
                        acc = accumulate(acc, x[(b * m + i) * k + t], right)
                    }
                    out[(b * m + i) * n + j] = acc
                }
            }
        }
        return out
    }
}
