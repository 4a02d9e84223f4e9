import TinyTensor

/// Fully connected layer: y[b, o] = bias[o] + Σ_i x[b, i] · weight[i, o].
///
/// The weight is stored input-major ([in, out]) so the forward pass is one row-major GEMM x·W.
/// Initialisation: weight and bias ~ U(−1/√in, 1/√in), as PyTorch's `nn.Linear`. With
/// `hasBias: false` the bias stays 0 and is not a trained parameter.
public final class Linear {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter
    public let hasBias: Bool

    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer
    /// The input of the last forward pass, kept for the weight gradient.
    private var input: Tensor?

    public init(name: String, inFeatures: Int, outFeatures: Int, hasBias: Bool = true, rng: inout SeededRNG) {
        self.inFeatures = inFeatures
        self.hasBias = hasBias
        self.outFeatures = outFeatures
        weight = Parameter(name: "\(name).weight", shape: [inFeatures, outFeatures])
        bias = Parameter(name: "\(name).bias", shape: [outFeatures])
        output = ActivationBuffer(rowWidth: outFeatures)
        inputGrad = ActivationBuffer(rowWidth: inFeatures)
        let bound = 1 / Float(inFeatures).squareRoot()
        for i in 0..<weight.count { weight.value[i] = (rng.uniform() * 2 - 1) * bound }
        if hasBias {
            for i in 0..<bias.count { bias.value[i] = (rng.uniform() * 2 - 1) * bound }
        }
    }

    public var parameters: [Parameter] { hasBias ? [weight, bias] : [weight] }

    /// x: [rows, in] → y: [rows, out] (the layer's own buffer, valid until the next forward).
    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        input = x
        gemm(transposeA: false, transposeB: false, m: rows, n: outFeatures, k: inFeatures,
             a: x.data, lda: inFeatures, b: weight.value.data, ldb: outFeatures,
             beta: 0, c: y.data, ldc: outFeatures, bias: hasBias ? UnsafePointer(bias.value.data) : nil)
        return y
    }

    /// dy: [rows, out] → dx: [rows, in]; accumulates into weight.grad and bias.grad.
    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        // forward: y = x·W + b, so dW += xᵀ·dy, db += Σ_rows dy, dx = dy·Wᵀ
        gemm(transposeA: true, transposeB: false, m: inFeatures, n: outFeatures, k: rows,
             a: x.data, lda: inFeatures, b: dy.data, ldb: outFeatures,
             beta: 1, c: weight.grad.data, ldc: outFeatures)
        if hasBias {
            let db = bias.grad.data
            for r in 0..<rows {
                let row = dy.data + r * outFeatures
                for o in 0..<outFeatures { db[o] += row[o] }
            }
        }
        let dx = inputGrad.reserve(rows: rows)
        gemm(transposeA: false, transposeB: true, m: rows, n: inFeatures, k: outFeatures,
             a: dy.data, lda: outFeatures, b: weight.value.data, ldb: outFeatures,
             beta: 0, c: dx.data, ldc: inFeatures)
        return dx
    }
}
