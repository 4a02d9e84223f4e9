import TinyTensor

/// The MDCSA gated residual network that fuses a main stream x with an optional context c
/// (both [rows, d]), hidden width h:
///
///     a = ELU(fc1(x) + ctx(c))       fc1: d → h with bias, ctx: d → h without bias
///     b = fc2(a)                     fc2: h → h
///     [v | u] = gate(b)              gate: h → 2d
///     y = LayerNorm(x + v ⊙ σ(u))
///
/// Without a context (one modality) the ctx term is absent.
public final class GatedResidualNetwork {
    public let width: Int
    public let hidden: Int
    public let fc1: Linear
    public let context: Linear?
    public let elu: ELU
    public let fc2: Linear
    public let gate: Linear
    public let glu: GLU
    public let norm: LayerNorm
    private var residual: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(name: String, width: Int, hidden: Int, hasContext: Bool, rng: inout SeededRNG) {
        self.width = width
        self.hidden = hidden
        fc1 = Linear(name: "\(name).fc1", inFeatures: width, outFeatures: hidden, rng: &rng)
        context = hasContext ? Linear(name: "\(name).ctx", inFeatures: width, outFeatures: hidden, hasBias: false, rng: &rng) : nil
        elu = ELU(width: hidden)
        fc2 = Linear(name: "\(name).fc2", inFeatures: hidden, outFeatures: hidden, rng: &rng)
        gate = Linear(name: "\(name).gate", inFeatures: hidden, outFeatures: 2 * width, rng: &rng)
        glu = GLU(width: width)
        norm = LayerNorm(name: "\(name).norm", width: width)
        residual = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public var parameters: [Parameter] {
        fc1.parameters + (context?.parameters ?? []) + fc2.parameters + gate.parameters + norm.parameters
    }

    /// x, c: [rows, d] → y [rows, d]. `c` is required exactly when the network has a context.
    public func forward(_ x: Tensor, context c: Tensor?, rows: Int) -> Tensor {
        let pre = fc1.forward(x, rows: rows)
        if let context, let c {
            // fc1's output buffer is not needed by its backward, so the sum is formed in place.
            let extra = context.forward(c, rows: rows)
            let sum = pre.data, term = extra.data
            parallelRanges(count: rows * hidden) { range in for i in range { sum[i] += term[i] } }
        }
        let gated = glu.forward(gate.forward(fc2.forward(elu.forward(pre, rows: rows), rows: rows), rows: rows), rows: rows)
        let r = residual.reserve(rows: rows)
        let rs = r.data, xs = x.data, gs = gated.data
        parallelRanges(count: rows * width) { range in for i in range { rs[i] = xs[i] + gs[i] } }
        return norm.forward(r, rows: rows)
    }

    /// dy [rows, d] → (dx, dc); dc is nil without a context. Both are the network's own buffers.
    public func backward(_ dy: Tensor, rows: Int) -> (input: Tensor, context: Tensor?) {
        let dr = norm.backward(dy, rows: rows)
        // forward: r = x + GLU(...), so the residual passes dr to x unchanged
        let da = fc2.backward(gate.backward(glu.backward(dr, rows: rows), rows: rows), rows: rows)
        let dpre = elu.backward(da, rows: rows)
        let dc = context?.backward(dpre, rows: rows)
        let dfc1 = fc1.backward(dpre, rows: rows)
        let dx = inputGrad.reserve(rows: rows)
        let dxs = dx.data, drs = dr.data, dfs = dfc1.data
        parallelRanges(count: rows * width) { range in for i in range { dxs[i] = drs[i] + dfs[i] } }
        return (dx, dc)
    }
}
