import Foundation
import TinyTensor

/// Multi-head scaled dot-product attention (no mask) over [B, T, d] with h heads of dₕ = d/h:
///
///     S = Q_h·K_hᵀ / √dₕ   (T × T per sequence and head)
///     P = softmax_rows(S),  P̃ = dropout(P),  O_h = P̃·V_h
///
/// Q, K and V are read in place from row-major buffers whose rows are `rowStride` floats apart
/// (a packed [B·T, 3d] QKV projection, or three separate [B·T, d] tensors; V's rows may have a
/// stride of their own, as when Q and K come packed from one projection and V is the input), so
/// no copies are made.
/// Every product is a GEMM per (sequence, head); the B·h of them are spread over the cores.
/// Keeps P and P̃ [B·h·Tq, T] for backward; the inputs must stay valid until backward.
///
/// With `queries` Tq < T only the last Tq positions of each sequence ask (they still attend to
/// all T): O is [B·Tq, d]. That is all a network needs when only its last outputs are used, and
/// the gradients into Q, K and V are exactly those of the full attention restricted to that use.
public final class ScaledDotProductAttention {
    public let width: Int
    public let heads: Int
    public let dropout: Float
    public var rng: SeededRNG

    private var probabilities: ActivationBuffer
    private var dropped: ActivationBuffer
    private var mask: ActivationBuffer
    private var scoresGrad: ActivationBuffer
    private var output: ActivationBuffer
    private var query: UnsafePointer<Float>?, key: UnsafePointer<Float>?, value: UnsafePointer<Float>?
    private var rowStride = 0
    private var valueStride = 0
    private var querySteps = 0
    private var usedDropout = false

    public init(width: Int, heads: Int = 1, dropout: Float = 0, rng: SeededRNG = SeededRNG(seed: 0)) {
        precondition(width % heads == 0, "width \(width) not divisible by \(heads) heads")
        precondition(dropout >= 0 && dropout < 1)
        self.width = width
        self.heads = heads
        self.dropout = dropout
        self.rng = rng
        probabilities = ActivationBuffer(rowWidth: 0)
        dropped = ActivationBuffer(rowWidth: 0)
        mask = ActivationBuffer(rowWidth: 0)
        scoresGrad = ActivationBuffer(rowWidth: 0)
        output = ActivationBuffer(rowWidth: width)
    }

    private var headWidth: Int { width / heads }

    /// Reserves a [B·h·T, T] buffer; the row width depends on T, so it is rebuilt when T changes.
    private func square(_ buffer: inout ActivationBuffer, rows: Int, steps: Int) -> Tensor {
        if buffer.rowWidth != steps { buffer = ActivationBuffer(rowWidth: steps) }
        return buffer.reserve(rows: rows)
    }

    /// Splits the B·h (sequence, head) pairs into a few chunks per core.
    private func forEachSequenceHead(_ pairs: Int, _ body: (Int) -> Void) {
        let chunks = min(pairs, Parallelism.threads * 4)
        parallelFor(chunks: chunks) { chunk in
            for pair in (chunk * pairs / chunks)..<((chunk + 1) * pairs / chunks) { body(pair) }
        }
    }

    /// Returns O [B·Tq, d] (the layer's own buffer); `queries` Tq defaults to all T steps.
    public func forward(query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
                        rowStride: Int, valueStride: Int? = nil, batch: Int, steps: Int, queries: Int? = nil,
                        training: Bool) -> Tensor {
        let pairs = batch * heads, dh = headWidth, d = width, tq = queries ?? steps
        precondition(tq >= 1 && tq <= steps, "queries \(tq) outside 1...\(steps)")
        let p = square(&probabilities, rows: pairs * tq, steps: steps)
        let y = output.reserve(rows: batch * tq)
        query = q; key = k; value = v
        self.rowStride = rowStride
        let vStride = valueStride ?? rowStride
        self.valueStride = vStride
        querySteps = tq
        usedDropout = training && dropout > 0
        var attended = p
        if usedDropout {
            // Drawn serially before the parallel part, so the mask does not depend on scheduling.
            let m = square(&mask, rows: pairs * tq, steps: steps)
            let keep = 1 / (1 - dropout)
            // A local copy of the generator stays in registers; the stream is the same.
            var local = rng
            let ms = m.data
            for i in 0..<(pairs * tq * steps) { ms[i] = local.uniform() < dropout ? 0 : keep }
            rng = local
            attended = square(&dropped, rows: pairs * tq, steps: steps)
        }
        let scale = 1 / Float(dh).squareRoot()
        let pd = attended.data, m = mask.tensor.data, dropping = usedDropout
        forEachSequenceHead(pairs) { pair in
            let b = pair / heads, h = pair % heads
            let offset = b * steps * rowStride + h * dh
            let queryOffset = offset + (steps - tq) * rowStride
            let s = p.data + pair * tq * steps
            gemm(transposeA: false, transposeB: true, m: tq, n: steps, k: dh, alpha: scale,
                 a: q + queryOffset, lda: rowStride, b: k + offset, ldb: rowStride, beta: 0, c: s, ldc: steps)
            VectorKernels.softmaxRows(rows: tq, width: steps, s)
            let a = pd + pair * tq * steps
            if dropping {
                let mm = m + pair * tq * steps
                for i in 0..<(tq * steps) { a[i] = s[i] * mm[i] }
            }
            gemm(transposeA: false, transposeB: false, m: tq, n: dh, k: steps,
                 a: a, lda: steps, b: v + b * steps * vStride + h * dh, ldb: vStride, beta: 0,
                 c: y.data + b * tq * d + h * dh, ldc: d)
        }
        return y
    }

    /// dO [B·Tq, d] → dQ, dK, dV written with the strides of forward's Q/K and V. With `accumulate` the gradients are added
    /// to what the buffers hold (for a V that is also a residual input, or Q = K = V); otherwise
    /// they overwrite it (dQ of positions that did not ask: 0), and the three buffers must then
    /// be distinct.
    public func backward(_ dy: Tensor, dQuery dq: UnsafeMutablePointer<Float>, dKey dk: UnsafeMutablePointer<Float>,
                         dValue dv: UnsafeMutablePointer<Float>, accumulate: Bool, batch: Int, steps: Int) {
        guard let q = query, let k = key, let v = value else { preconditionFailure("attention backward before forward") }
        let pairs = batch * heads, dh = headWidth, d = width, stride = rowStride, vStride = valueStride, tq = querySteps
        let p = probabilities.tensor.data
        let pd = usedDropout ? dropped.tensor.data : p
        let m = mask.tensor.data, dropping = usedDropout
        let ds = square(&scoresGrad, rows: pairs * tq, steps: steps).data
        let scale = 1 / Float(dh).squareRoot()
        let beta: Float = accumulate ? 1 : 0
        forEachSequenceHead(pairs) { pair in
            let b = pair / heads, h = pair % heads
            let offset = b * steps * stride + h * dh
            let queryOffset = offset + (steps - tq) * stride
            let valueOffset = b * steps * vStride + h * dh
            let dO = dy.data + b * tq * d + h * dh
            let probs = p + pair * tq * steps, attended = pd + pair * tq * steps
            let g = ds + pair * tq * steps
            // forward: O = P̃·V, so dP̃ = dO·Vᵀ and dV (+)= P̃ᵀ·dO
            gemm(transposeA: false, transposeB: true, m: tq, n: steps, k: dh,
                 a: dO, lda: d, b: v + valueOffset, ldb: vStride, beta: 0, c: g, ldc: steps)
            gemm(transposeA: true, transposeB: false, m: steps, n: dh, k: tq,
                 a: attended, lda: steps, b: dO, ldb: d, beta: beta, c: dv + valueOffset, ldc: vStride)
            // P̃ = P ⊙ mask, so dP = dP̃ ⊙ mask; P = softmax(S), so dS = P ⊙ (dP − Σ_j P·dP)
            for i in 0..<tq {
                let row = g + i * steps, pr = probs + i * steps
                if dropping {
                    let mr = m + pair * tq * steps + i * steps
                    for j in 0..<steps { row[j] *= mr[j] }
                }
                var dot: Float = 0
                for j in 0..<steps { dot += row[j] * pr[j] }
                for j in 0..<steps { row[j] = pr[j] * (row[j] - dot) }
            }
            // S = Q·Kᵀ/√dₕ, so dQ (+)= dS·K/√dₕ and dK (+)= dSᵀ·Q/√dₕ
            if !accumulate && tq < steps {
                for i in 0..<(steps - tq) { (dq + offset + i * stride).update(repeating: 0, count: dh) }
            }
            gemm(transposeA: false, transposeB: false, m: tq, n: dh, k: steps, alpha: scale,
                 a: g, lda: steps, b: k + offset, ldb: stride, beta: beta, c: dq + queryOffset, ldc: stride)
            gemm(transposeA: true, transposeB: false, m: steps, n: dh, k: tq, alpha: scale,
                 a: g, lda: steps, b: q + queryOffset, ldb: stride, beta: beta, c: dk + offset, ldc: stride)
        }
    }
}
