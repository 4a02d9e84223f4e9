import TinyNN
import TinyTensor

/// A trained `Mamba` run one step at a time, as on the chip: the window is never held.
///
/// State kept between steps, per block: h (E·N) and the last k−1 conv inputs ((k−1)·E, oldest
/// first); for `mean` pooling, the running sum of the normed outputs (d) and the step count.
/// None of it depends on T. After T steps from `reset()`, `logits()` equals the windowed
/// forward pass on the same T steps (to float rounding). All buffers are allocated here, once;
/// `step` and `logits(into:)` allocate nothing.
public final class MambaStream {
    public let model: Mamba

    /// Per block: h [E, N].
    private let states: [Tensor]
    /// Per block: the conv inputs u of the last k−1 steps [k−1, E], oldest first.
    private let convHistory: [Tensor]
    /// Per block: A = −exp(A_log) [E, N], computed once from the weights.
    private let decayRates: [Tensor]
    /// Mean pooling: Σ of the normed outputs so far; last pooling: the last normed output.
    private let pooled: Tensor
    public private(set) var stepsSeen = 0

    // One step's working values (scratch, overwritten every step).
    private let x: Tensor, normed: Tensor, xz: Tensor, us: Tensor, dbc: Tensor, delta: Tensor
    private let y: Tensor, gated: Tensor, projected: Tensor

    public init(_ model: Mamba) {
        self.model = model
        let c = model.config
        let d = c.width, e = c.inner, n = c.stateSize
        states = model.blocks.map { _ in Tensor([e, n]) }
        convHistory = model.blocks.map { _ in Tensor([c.convKernel - 1, e]) }
        decayRates = model.blocks.map { block in
            let a = Tensor([e, n])
            SelectiveScan.decayRates(aLog: block.scan.aLog.value.data, count: a.count, into: a.data)
            return a
        }
        pooled = Tensor([d])
        x = Tensor([d]); normed = Tensor([d]); xz = Tensor([2 * e]); us = Tensor([e])
        dbc = Tensor([c.rank + 2 * n]); delta = Tensor([e]); y = Tensor([e]); gated = Tensor([e]); projected = Tensor([d])
    }

    /// Floats of state kept between steps (h and conv history of every block, plus the pooled
    /// vector); independent of the window length.
    public var stateElements: Int {
        states.reduce(0) { $0 + $1.count } + convHistory.reduce(0) { $0 + $1.count } + pooled.count
    }

    /// Forgets everything: the next step is the first of a new window.
    public func reset() {
        for t in states + convHistory { t.zero() }
        pooled.zero()
        stepsSeen = 0
    }

    /// Consumes one step's F features.
    public func step(_ features: UnsafePointer<Float>) {
        let m = model
        matrixVector(features, m.embed.weight.value.data, bias: m.embed.bias.value.data,
                     inCount: m.embed.inFeatures, outCount: m.embed.outFeatures, into: x.data)
        for (i, block) in m.blocks.enumerated() { stepBlock(block, state: states[i], history: convHistory[i], a: decayRates[i]) }
        _ = RMSNorm.normalize(x.data, weight: m.norm.weight.value.data, width: m.norm.width, epsilon: m.norm.epsilon,
                              into: normed.data)
        switch m.config.pooling {
        case .mean: for j in 0..<pooled.count { pooled[j] += normed[j] }
        case .last: pooled.copy(from: normed)
        }
        stepsSeen += 1
    }

    /// Logits [C] for the steps since `reset()`: head(mean or last of the normed outputs).
    public func logits(into out: UnsafeMutablePointer<Float>) {
        let head = model.head
        let scale: Float = model.config.pooling == .mean ? 1 / Float(max(stepsSeen, 1)) : 1
        for j in 0..<pooled.count { normed[j] = pooled[j] * scale }
        matrixVector(normed.data, head.weight.value.data, bias: head.bias.value.data,
                     inCount: head.inFeatures, outCount: head.outFeatures, into: out)
    }

    public func logits() -> [Float] {
        [Float](unsafeUninitializedCapacity: model.head.outFeatures) { buffer, count in
            logits(into: buffer.baseAddress!)
            count = buffer.count
        }
    }

    /// One block on one step, x ← x + out_proj(scan(...) ⊙ SiLU(z)), the windowed block's
    /// formulas with T = 1 and the conv reading its history instead of the window.
    private func stepBlock(_ block: MambaBlock, state: Tensor, history: Tensor, a: Tensor) {
        let e = block.inner, n = block.stateSize, r = block.rank
        let k = block.conv.kernel
        _ = RMSNorm.normalize(x.data, weight: block.norm.weight.value.data, width: block.width,
                              epsilon: block.norm.epsilon, into: normed.data)
        matrixVector(normed.data, block.inProj.weight.value.data, bias: nil, inCount: block.width, outCount: 2 * e, into: xz.data)
        // Causal conv: taps 0…k−2 read the history, tap k−1 the current u; then the history shifts.
        let w = block.conv.weight.value.data, u = xz.data
        for ch in 0..<e {
            var acc = block.conv.bias.value[ch]
            for j in 0..<(k - 1) { acc += w[j * e + ch] * history[j * e + ch] }
            acc += w[(k - 1) * e + ch] * u[ch]
            us[ch] = SiLU.apply(acc)
        }
        if k > 1 {
            (history.data).update(from: history.data + e, count: (k - 2) * e)
            (history.data + (k - 2) * e).update(from: u, count: e)
        }
        matrixVector(us.data, block.xProj.weight.value.data, bias: nil, inCount: e, outCount: r + 2 * n, into: dbc.data)
        matrixVector(dbc.data, block.dtProj.weight.value.data, bias: block.dtProj.bias.value.data,
                     inCount: r, outCount: e, into: delta.data)
        for ch in 0..<e { delta[ch] = Softplus.apply(delta[ch]) }
        SelectiveScan.step(previous: UnsafePointer(state.data), state: state.data, u: us.data, delta: delta.data,
                           b: dbc.data + r, c: dbc.data + r + n, a: a.data, d: block.scan.d.value.data,
                           channels: e, stateSize: n, y: y.data)
        for ch in 0..<e { gated[ch] = y[ch] * SiLU.apply(xz[e + ch]) }
        matrixVector(gated.data, block.outProj.weight.value.data, bias: nil, inCount: e, outCount: block.width, into: projected.data)
        for j in 0..<block.width { x[j] += projected[j] }
    }

    /// y[o] = bias[o] + Σ_i x[i] · W[i, o] for an input-major weight [in, out].
    private func matrixVector(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              inCount: Int, outCount: Int, into y: UnsafeMutablePointer<Float>) {
        if let bias { y.update(from: bias, count: outCount) } else { y.update(repeating: 0, count: outCount) }
        for i in 0..<inCount {
            let xi = x[i], row = weight + i * outCount
            for o in 0..<outCount { y[o] += xi * row[o] }
        }
    }
}
