import TinyNN
import TinyTensor

/// One modality inside one MDCSA branch, on x [B, T, d]:
///
///     Q = tanh(CausalConv1d_k(x)),  K = tanh(CausalConv1d_k(x)),  V = x
///     y = LayerNorm(x + attention(Q, K, V))        single head, dropout on the weights
///
/// Q and K convolve the same input with the same geometry, so they are computed as one
/// convolution with 2d outputs: one im2col, one GEMM [B·T, k·d] × [k·d, 2d] (N = 128 instead of
/// two N = 64 products, each re-reading the columns), one tanh pass, and in backward one weight-
/// gradient GEMM and one K = 2d columns-gradient GEMM. The two convolutions keep their own
/// parameters (names, checkpoints, counts); their weights are copied side by side each forward.
public final class ModalityAttention {
    public let width: Int
    public let queryConv: Conv1d
    public let keyConv: Conv1d
    public let attention: ScaledDotProductAttention
    public let norm: LayerNorm
    /// tanh over the [B·T, 2d] projection: Q in the first d columns, K in the last d.
    private let projectionTanh: Tanh
    private var projection: ActivationBuffer
    private var projectionGrad: ActivationBuffer
    /// [k·d, 2d]: the query weight in the first d columns, the key weight in the last d; and the
    /// two biases side by side. Refreshed from the parameters at every forward.
    private let fusedWeight: Tensor
    private let fusedBias: Tensor
    private let fusedWeightGrad: Tensor
    private var columns: Tensor?
    private var residual: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(name: String, width: Int, kernel: Int, dropout: Float, rng: inout SeededRNG) {
        self.width = width
        queryConv = Conv1d(causal: "\(name).q", inChannels: width, outChannels: width, kernel: kernel, rng: &rng)
        keyConv = Conv1d(causal: "\(name).k", inChannels: width, outChannels: width, kernel: kernel, rng: &rng)
        attention = ScaledDotProductAttention(width: width, heads: 1, dropout: dropout)
        norm = LayerNorm(name: "\(name).norm", width: width)
        projectionTanh = Tanh(width: 2 * width)
        projection = ActivationBuffer(rowWidth: 2 * width)
        projectionGrad = ActivationBuffer(rowWidth: 2 * width)
        fusedWeight = Tensor([kernel * width, 2 * width])
        fusedBias = Tensor([2 * width])
        fusedWeightGrad = Tensor([kernel * width, 2 * width])
        residual = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public var parameters: [Parameter] { queryConv.parameters + keyConv.parameters + norm.parameters }

    private var columnWidth: Int { queryConv.kernel * width }

    /// x must stay unchanged until backward (it is the attention's V).
    public func forward(_ x: Tensor, batch: Int, steps: Int, training: Bool) -> Tensor {
        let rows = batch * steps, d = width
        for r in 0..<columnWidth {
            (fusedWeight.data + r * 2 * d).update(from: queryConv.weight.value.data + r * d, count: d)
            (fusedWeight.data + r * 2 * d + d).update(from: keyConv.weight.value.data + r * d, count: d)
        }
        fusedBias.data.update(from: queryConv.bias.value.data, count: d)
        (fusedBias.data + d).update(from: keyConv.bias.value.data, count: d)
        let cols = queryConv.columns(of: x, batch: batch, steps: steps)
        columns = cols
        let pre = projection.reserve(rows: rows)
        gemm(transposeA: false, transposeB: false, m: rows, n: 2 * d, k: columnWidth,
             a: cols.data, lda: columnWidth, b: fusedWeight.data, ldb: 2 * d, beta: 0, c: pre.data, ldc: 2 * d,
             bias: fusedBias.data)
        let qk = projectionTanh.forward(pre, rows: rows)
        let a = attention.forward(query: qk.data, key: qk.data + d, value: x.data, rowStride: 2 * d, valueStride: d,
                                  batch: batch, steps: steps, training: training)
        let r = residual.reserve(rows: rows)
        let rs = r.data, xs = x.data, attended = a.data
        parallelRanges(count: rows * d) { range in for i in range { rs[i] = xs[i] + attended[i] } }
        return norm.forward(r, rows: rows)
    }

    /// dy [B, T, d] → dx [B, T, d] through the residual, V, and both convolutions.
    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        guard let cols = columns else { preconditionFailure("ModalityAttention.backward before forward") }
        let rows = batch * steps, d = width
        let dr = norm.backward(dy, rows: rows)
        // forward: r = x + attention(Q, K, x): the residual gives dx = dr, attention adds dV to it
        let dx = inputGrad.reserve(rows: rows)
        dx.data.update(from: dr.data, count: rows * d)
        let dqk = projectionGrad.reserve(rows: rows)
        dqk.data.update(repeating: 0, count: rows * 2 * d)
        attention.backward(dr, dQuery: dqk.data, dKey: dqk.data + d, dValue: dx.data, accumulate: true, batch: batch, steps: steps)
        let dpre = projectionTanh.backward(dqk, rows: rows)
        // forward: pre = cols·W + b with W = [Wq | Wk]: dW = colsᵀ·dpre (split back into the two
        // convolutions' gradients), db = Σ_rows dpre, dcols = dpre·Wᵀ.
        gemm(transposeA: true, transposeB: false, m: columnWidth, n: 2 * d, k: rows,
             a: cols.data, lda: columnWidth, b: dpre.data, ldb: 2 * d, beta: 0, c: fusedWeightGrad.data, ldc: 2 * d)
        let gq = queryConv.weight.grad.data, gk = keyConv.weight.grad.data, fused = fusedWeightGrad.data
        for r in 0..<columnWidth {
            for c in 0..<d {
                gq[r * d + c] += fused[r * 2 * d + c]
                gk[r * d + c] += fused[r * 2 * d + d + c]
            }
        }
        let bq = queryConv.bias.grad.data, bk = keyConv.bias.grad.data
        for row in 0..<rows {
            let g = dpre.data + row * 2 * d
            for c in 0..<d {
                bq[c] += g[c]
                bk[c] += g[d + c]
            }
        }
        // With k = 1 the columns are x itself, so their gradient accumulates straight into dx.
        let dcols = queryConv.columnsGradientBuffer(rows: rows)
        gemm(transposeA: false, transposeB: true, m: rows, n: columnWidth, k: 2 * d,
             a: dpre.data, lda: 2 * d, b: fusedWeight.data, ldb: 2 * d, beta: dcols == nil ? 1 : 0,
             c: dcols?.data ?? dx.data, ldc: columnWidth)
        if let dcols { queryConv.addColumnsGradient(dcols.data, into: dx.data, batch: batch, steps: steps) }
        return dx
    }
}
