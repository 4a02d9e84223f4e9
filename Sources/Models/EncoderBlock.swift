import TinyNN
import TinyTensor

/// One pre-LayerNorm transformer encoder block on x [B, T, d]:
///
///     a = x + Linear(d → d)(MHSA(LN₁(x)))      QKV one Linear(d → 3d), all with bias
///     y = a + Linear(f → d)(GELU(Linear(d → f)(LN₂(a))))
public final class EncoderBlock {
    public let width: Int
    public let norm1: LayerNorm
    public let qkv: Linear
    public let attention: ScaledDotProductAttention
    public let projection: Linear
    public let norm2: LayerNorm
    public let expand: Linear
    public let gelu: GELU
    public let contract: Linear
    private var attended: ActivationBuffer
    private var output: ActivationBuffer
    private var qkvGrad: ActivationBuffer
    private var midGrad: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(name: String, width: Int, heads: Int, feedForward: Int, rng: inout SeededRNG) {
        self.width = width
        norm1 = LayerNorm(name: "\(name).ln1", width: width)
        qkv = Linear(name: "\(name).qkv", inFeatures: width, outFeatures: 3 * width, rng: &rng)
        attention = ScaledDotProductAttention(width: width, heads: heads)
        projection = Linear(name: "\(name).proj", inFeatures: width, outFeatures: width, rng: &rng)
        norm2 = LayerNorm(name: "\(name).ln2", width: width)
        expand = Linear(name: "\(name).ff1", inFeatures: width, outFeatures: feedForward, rng: &rng)
        gelu = GELU(width: feedForward)
        contract = Linear(name: "\(name).ff2", inFeatures: feedForward, outFeatures: width, rng: &rng)
        attended = ActivationBuffer(rowWidth: width)
        output = ActivationBuffer(rowWidth: width)
        qkvGrad = ActivationBuffer(rowWidth: 3 * width)
        midGrad = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public var parameters: [Parameter] {
        norm1.parameters + qkv.parameters + projection.parameters + norm2.parameters + expand.parameters + contract.parameters
    }

    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        let rows = batch * steps, d = width
        let packed = qkv.forward(norm1.forward(x, rows: rows), rows: rows)
        let heads = attention.forward(query: packed.data, key: packed.data + d, value: packed.data + 2 * d, rowStride: 3 * d,
                                      batch: batch, steps: steps, training: false)
        let projected = projection.forward(heads, rows: rows)
        let a = attended.reserve(rows: rows)
        let sum = a.data, xs = x.data, ps = projected.data
        for i in 0..<(rows * d) { sum[i] = xs[i] + ps[i] }
        let ff = contract.forward(gelu.forward(expand.forward(norm2.forward(a, rows: rows), rows: rows), rows: rows), rows: rows)
        let y = output.reserve(rows: rows)
        let ys = y.data, fs = ff.data
        for i in 0..<(rows * d) { ys[i] = sum[i] + fs[i] }
        return y
    }

    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        let rows = batch * steps, d = width
        // forward: y = a + FF(LN₂(a)), so da = dy + LN₂ᵀ(FFᵀ(dy))
        let dff = norm2.backward(expand.backward(gelu.backward(contract.backward(dy, rows: rows), rows: rows), rows: rows), rows: rows)
        let da = midGrad.reserve(rows: rows)
        let das = da.data, dys = dy.data, dfs = dff.data
        for i in 0..<(rows * d) { das[i] = dys[i] + dfs[i] }
        // a = x + proj(MHSA(QKV(LN₁(x)))), so dx = da + LN₁ᵀ(QKVᵀ(MHSAᵀ(projᵀ(da))))
        let dHeads = projection.backward(da, rows: rows)
        let dPacked = qkvGrad.reserve(rows: rows)
        attention.backward(dHeads, dQuery: dPacked.data, dKey: dPacked.data + d, dValue: dPacked.data + 2 * d,
                           accumulate: false, batch: batch, steps: steps)
        let dNormed = norm1.backward(qkv.backward(dPacked, rows: rows), rows: rows)
        let dx = inputGrad.reserve(rows: rows)
        let dxs = dx.data, dns = dNormed.data
        for i in 0..<(rows * d) { dxs[i] = das[i] + dns[i] }
        return dx
    }
}
