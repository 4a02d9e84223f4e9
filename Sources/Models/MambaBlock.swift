import Foundation
import TinyNN
import TinyTensor

/// One Mamba block on x [T, d] per window (B = batch, T = steps, d = width, E = expand·d,
/// N = state size, R = ⌈d/16⌉, k = conv kernel):
///
///     xn        = RMSNorm(x)                                   [B·T, d]
///     (u, z)    = in_proj(xn), split                           [B·T, E] each   (Linear d → 2E, no bias)
///     us        = SiLU(CausalConv1d_k(u))                      [B·T, E]        (depthwise, bias)
///     (δ, B, C) = x_proj(us), split                            [B·T, R], [B·T, N], [B·T, N]   (E → R+2N, no bias)
///     Δ         = softplus(dt_proj(δ))                         [B·T, E]        (R → E, bias)
///     y         = SelectiveScan(us, Δ, B, C; A_log, D)         [B·T, E]
///     out       = x + out_proj(y ⊙ SiLU(z))                    [B·T, d]        (E → d, no bias)
///
/// Projections run as one GEMM over all B·T rows. dt_proj's bias is set as in the reference
/// Mamba: softplus(bias) = Δ₀ drawn log-uniformly from [0.001, 0.1], so the initial decays are
/// slow. Every buffer is sized on the first batch of a shape and reused.
public final class MambaBlock {
    public let width: Int
    public let inner: Int
    public let stateSize: Int
    public let rank: Int
    public let steps: Int

    public let norm: RMSNorm
    public let inProj: Linear
    public let conv: CausalConv1d
    public let convActivation: SiLU
    public let xProj: Linear
    public let dtProj: Linear
    public let softplus: Softplus
    public let scan: SelectiveScan
    public let gateActivation: SiLU
    public let outProj: Linear

    private var u: ActivationBuffer
    private var z: ActivationBuffer
    private var deltaIn: ActivationBuffer
    private var bIn: ActivationBuffer
    private var cIn: ActivationBuffer
    private var gated: ActivationBuffer
    private var output: ActivationBuffer
    private var scanOutputGrad: ActivationBuffer
    private var gateGrad: ActivationBuffer
    private var xProjOutputGrad: ActivationBuffer
    private var convOutputGrad: ActivationBuffer
    private var inProjOutputGrad: ActivationBuffer
    private var inputGrad: ActivationBuffer
    /// SiLU(z) of the last forward.
    private var gateValues: ActivationBuffer
    /// The scan output y and z of the last forward, for the gate's backward.
    private var gateInputs: (y: Tensor, z: Tensor)?

    public init(name: String, config: MambaConfig, steps: Int, rng: inout SeededRNG) {
        let d = config.width, e = config.inner, n = config.stateSize, r = config.rank
        width = d
        inner = e
        stateSize = n
        rank = r
        self.steps = steps
        norm = RMSNorm(name: "\(name).norm", width: d)
        inProj = Linear(name: "\(name).in_proj", inFeatures: d, outFeatures: 2 * e, hasBias: false, rng: &rng)
        conv = CausalConv1d(name: "\(name).conv1d", channels: e, kernel: config.convKernel, rng: &rng)
        convActivation = SiLU(width: e)
        xProj = Linear(name: "\(name).x_proj", inFeatures: e, outFeatures: r + 2 * n, hasBias: false, rng: &rng)
        dtProj = Linear(name: "\(name).dt_proj", inFeatures: r, outFeatures: e, rng: &rng)
        softplus = Softplus(width: e)
        scan = SelectiveScan(name: "\(name)", channels: e, stateSize: n)
        gateActivation = SiLU(width: e)
        outProj = Linear(name: "\(name).out_proj", inFeatures: e, outFeatures: d, hasBias: false, rng: &rng)
        let (dtMin, dtMax): (Float, Float) = (0.001, 0.1)
        for i in 0..<e {
            let dt = max(expf(logf(dtMin) + rng.uniform() * (logf(dtMax) - logf(dtMin))), 1e-4)
            // The inverse of softplus: bias = log(e^Δ₀ − 1) = Δ₀ + log(1 − e^(−Δ₀)).
            dtProj.bias.value[i] = dt + logf(-expm1f(-dt))
        }
        u = ActivationBuffer(rowWidth: e)
        z = ActivationBuffer(rowWidth: e)
        deltaIn = ActivationBuffer(rowWidth: r)
        bIn = ActivationBuffer(rowWidth: n)
        cIn = ActivationBuffer(rowWidth: n)
        gated = ActivationBuffer(rowWidth: e)
        gateValues = ActivationBuffer(rowWidth: e)
        output = ActivationBuffer(rowWidth: d)
        scanOutputGrad = ActivationBuffer(rowWidth: e)
        gateGrad = ActivationBuffer(rowWidth: e)
        xProjOutputGrad = ActivationBuffer(rowWidth: r + 2 * n)
        convOutputGrad = ActivationBuffer(rowWidth: e)
        inProjOutputGrad = ActivationBuffer(rowWidth: 2 * e)
        inputGrad = ActivationBuffer(rowWidth: d)
    }

    public var parameters: [Parameter] {
        norm.parameters + inProj.parameters + conv.parameters + xProj.parameters + dtProj.parameters
            + scan.parameters + outProj.parameters
    }

    /// The sequence length of the last forward, for its backward.
    private var forwardSteps = 0

    /// x: [batch·T, d] → [batch·T, d] (the block's own buffer).
    public func forward(_ x: Tensor, batch: Int) -> Tensor {
        forward(x, batch: batch, steps: steps)
    }

    /// The same block on sequences of any length (across-window training runs segments of many
    /// windows): x [batch·steps, d] → [batch·steps, d], the state starting at zero in each sequence.
    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        forwardSteps = steps
        let rows = batch * steps
        let e = inner, n = stateSize, r = rank, dbcWidth = r + 2 * n
        let xz = inProj.forward(norm.forward(x, rows: rows), rows: rows)
        let u = self.u.reserve(rows: rows), z = self.z.reserve(rows: rows)
        split(xz, width: 2 * e, rows: rows, offset: 0, count: e, into: u)
        split(xz, width: 2 * e, rows: rows, offset: e, count: e, into: z)
        let us = convActivation.forward(conv.forward(u, batch: batch, steps: steps), rows: rows)
        let dbc = xProj.forward(us, rows: rows)
        let deltaIn = self.deltaIn.reserve(rows: rows), b = bIn.reserve(rows: rows), c = cIn.reserve(rows: rows)
        split(dbc, width: dbcWidth, rows: rows, offset: 0, count: r, into: deltaIn)
        split(dbc, width: dbcWidth, rows: rows, offset: r, count: n, into: b)
        split(dbc, width: dbcWidth, rows: rows, offset: r + n, count: n, into: c)
        let delta = softplus.forward(dtProj.forward(deltaIn, rows: rows), rows: rows)
        let y = scan.forward(u: us, delta: delta, b: b, c: c, batch: batch, steps: steps)
        // g = y ⊙ SiLU(z) in one fused pass (the same formula as `gateActivation`).
        let gate = gateValues.reserve(rows: rows), g = gated.reserve(rows: rows)
        VectorKernels.siluGate(count: rows * e, a: y.data, z: z.data, gate: gate.data, out: g.data)
        gateInputs = (y, z)
        let o = outProj.forward(g, rows: rows)
        let out = output.reserve(rows: rows)
        let outs = out.data, xs = x.data, os = o.data
        for i in 0..<(rows * width) { outs[i] = xs[i] + os[i] }
        return out
    }

    /// dout: [batch·steps, d] → dx: [batch·steps, d] for the sequences of the last forward;
    /// accumulates every parameter gradient.
    public func backward(_ dout: Tensor, batch: Int) -> Tensor {
        // gate: z, the pre-activation of SiLU.
        guard let (y, gate) = gateInputs else { preconditionFailure("MambaBlock.backward before forward") }
        let steps = forwardSteps
        let rows = batch * steps
        let e = inner, n = stateSize, r = rank, dbcWidth = r + 2 * n
        // out = x + out_proj(g): dx gets dout directly, dg = dout · out_projᵀ.
        let dg = outProj.backward(dout, rows: rows)
        // g = y ⊙ SiLU(z): dy = dg ⊙ SiLU(z), d SiLU(z) = dg ⊙ y.
        let dy = scanOutputGrad.reserve(rows: rows), dz = gateGrad.reserve(rows: rows)
        VectorKernels.siluGateBackward(count: rows * e, a: y.data, z: gate.data, dout: dg.data, da: dy.data, dz: dz.data)
        let scanGrad = scan.backward(dy, batch: batch, steps: steps)
        // Δ = softplus(dt_proj(δ)); (δ, B, C) are column ranges of x_proj's output.
        let dDeltaIn = dtProj.backward(softplus.backward(scanGrad.delta, rows: rows), rows: rows)
        let dDbc = xProjOutputGrad.reserve(rows: rows)
        join(dDeltaIn, offset: 0, count: r, into: dDbc, width: dbcWidth, rows: rows)
        join(scanGrad.b, offset: r, count: n, into: dDbc, width: dbcWidth, rows: rows)
        join(scanGrad.c, offset: r + n, count: n, into: dDbc, width: dbcWidth, rows: rows)
        // us feeds both the scan and x_proj: its gradient is the sum of the two.
        let dusFromProj = xProj.backward(dDbc, rows: rows)
        let dus = convOutputGrad.reserve(rows: rows)
        let duTotal = dus.data, fromScan = scanGrad.u.data, fromProjection = dusFromProj.data
        for i in 0..<(rows * e) { duTotal[i] = fromScan[i] + fromProjection[i] }
        let du = conv.backward(convActivation.backward(dus, rows: rows), batch: batch, steps: steps)
        let dxz = inProjOutputGrad.reserve(rows: rows)
        join(du, offset: 0, count: e, into: dxz, width: 2 * e, rows: rows)
        join(dz, offset: e, count: e, into: dxz, width: 2 * e, rows: rows)
        let dxn = norm.backward(inProj.backward(dxz, rows: rows), rows: rows)
        let dx = inputGrad.reserve(rows: rows)
        let dxs = dx.data, dxns = dxn.data, douts = dout.data
        for i in 0..<(rows * width) { dxs[i] = dxns[i] + douts[i] }
        return dx
    }

    /// Copies columns offset..<offset+count of a [rows, width] tensor into a [rows, count] tensor.
    private func split(_ source: Tensor, width: Int, rows: Int, offset: Int, count: Int, into target: Tensor) {
        for row in 0..<rows {
            (target.data + row * count).update(from: source.data + row * width + offset, count: count)
        }
    }

    /// The inverse of `split`: writes a [rows, count] tensor into columns offset..<offset+count.
    private func join(_ source: Tensor, offset: Int, count: Int, into target: Tensor, width: Int, rows: Int) {
        for row in 0..<rows {
            (target.data + row * width + offset).update(from: source.data + row * count, count: count)
        }
    }
}
