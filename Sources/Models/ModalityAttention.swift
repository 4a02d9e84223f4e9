import TinyNN
import TinyTensor

/// One modality inside one MDCSA branch, on x [B, T, d]:
///
///     Q = tanh(CausalConv1d_k(x)),  K = tanh(CausalConv1d_k(x)),  V = x
///     y = LayerNorm(x + attention(Q, K, V))        single head, dropout on the weights
public final class ModalityAttention {
    public let width: Int
    public let queryConv: Conv1d
    public let keyConv: Conv1d
    public let queryTanh: Tanh
    public let keyTanh: Tanh
    public let attention: ScaledDotProductAttention
    public let norm: LayerNorm
    private var residual: ActivationBuffer
    private var queryGrad: ActivationBuffer
    private var keyGrad: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(name: String, width: Int, kernel: Int, dropout: Float, rng: inout SeededRNG) {
        self.width = width
        queryConv = Conv1d(causal: "\(name).q", inChannels: width, outChannels: width, kernel: kernel, rng: &rng)
        keyConv = Conv1d(causal: "\(name).k", inChannels: width, outChannels: width, kernel: kernel, rng: &rng)
        queryTanh = Tanh(width: width)
        keyTanh = Tanh(width: width)
        attention = ScaledDotProductAttention(width: width, heads: 1, dropout: dropout)
        norm = LayerNorm(name: "\(name).norm", width: width)
        residual = ActivationBuffer(rowWidth: width)
        queryGrad = ActivationBuffer(rowWidth: width)
        keyGrad = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public var parameters: [Parameter] { queryConv.parameters + keyConv.parameters + norm.parameters }

    /// x must stay unchanged until backward (it is the attention's V).
    public func forward(_ x: Tensor, batch: Int, steps: Int, training: Bool) -> Tensor {
        let rows = batch * steps
        // Q and K convolve the same input with the same geometry: one im2col serves both.
        let cols = queryConv.columns(of: x, batch: batch, steps: steps)
        let q = queryTanh.forward(queryConv.forward(columns: cols, rows: rows), rows: rows)
        let k = keyTanh.forward(keyConv.forward(columns: cols, rows: rows), rows: rows)
        let a = attention.forward(query: q.data, key: k.data, value: x.data, rowStride: width,
                                  batch: batch, steps: steps, training: training)
        let r = residual.reserve(rows: rows)
        let rs = r.data, xs = x.data, attended = a.data
        parallelRanges(count: rows * width) { range in for i in range { rs[i] = xs[i] + attended[i] } }
        return norm.forward(r, rows: rows)
    }

    /// dy [B, T, d] → dx [B, T, d] through the residual, V, and both convolutions.
    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        let rows = batch * steps
        let dr = norm.backward(dy, rows: rows)
        // forward: r = x + attention(Q, K, x): the residual gives dx = dr, attention adds dV to it
        let dx = inputGrad.reserve(rows: rows)
        dx.data.update(from: dr.data, count: rows * width)
        let dq = queryGrad.reserve(rows: rows), dk = keyGrad.reserve(rows: rows)
        dq.data.update(repeating: 0, count: rows * width)
        dk.data.update(repeating: 0, count: rows * width)
        attention.backward(dr, dQuery: dq.data, dKey: dk.data, dValue: dx.data, accumulate: true, batch: batch, steps: steps)
        // Both convolutions read the same columns: their column gradients sum (one GEMM each,
        // the second accumulating), and one col2im adds the sum into dx. With k = 1 the columns
        // are x itself, so both products accumulate straight into dx.
        let dqPre = queryTanh.backward(dq, rows: rows)
        let dkPre = keyTanh.backward(dk, rows: rows)
        if let dcols = queryConv.columnsGradientBuffer(rows: rows) {
            queryConv.backward(dqPre, rows: rows, columnsGradient: dcols.data, beta: 0)
            keyConv.backward(dkPre, rows: rows, columnsGradient: dcols.data, beta: 1)
            queryConv.addColumnsGradient(dcols.data, into: dx.data, batch: batch, steps: steps)
        } else {
            queryConv.backward(dqPre, rows: rows, columnsGradient: dx.data, beta: 1)
            keyConv.backward(dkPre, rows: rows, columnsGradient: dx.data, beta: 1)
        }
        return dx
    }
}
