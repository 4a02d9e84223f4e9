import Foundation
import TinyTensor

/// Mamba's selective scan (S6), per window and channel e with N state entries:
///
///     h_t[e, n] = exp(Δ_t[e] · A[e, n]) · h_{t−1}[e, n] + Δ_t[e] · u_t[e] · B_t[n],   h_{−1} = 0
///     y_t[e]    = Σ_n h_t[e, n] · C_t[n] + D[e] · u_t[e]
///
/// with A = −exp(A_log) (so every decay exp(Δ·A) is in (0, 1) for Δ > 0).
/// Shapes (B = batch, T = steps, E = channels, N = state size): u, Δ, y [B·T, E]; B, C [B·T, N];
/// parameters A_log [E, N] initialised to log(n + 1) (A[e, n] = −(n + 1), S4D-real) and D [E]
/// initialised to 1.
///
/// Memory for training: the layer stores every state h_t, B·T·E·N floats — O(T·E·N) per window —
/// plus A (E·N). The decays exp(Δ_t·A) are recomputed in backward instead of stored, which would
/// double that. Inputs are referenced, not copied. Backward needs a running dL/dh (E·N) and
/// partial sums for dA, dD per batch chunk.
///
/// Batch elements are independent, so forward and backward run over chunks of `chunkSize` windows
/// on the worker threads. Chunks are fixed by the batch size, not the thread count, and their
/// parameter-gradient partials are added in chunk order, so results do not depend on threads.
/// When E is a multiple of 8 (both presets) whole chunks run in `VectorKernels.scanForward` /
/// `scanBackward` (TinyTensor; the AVX2+FMA build where the CPU has it); otherwise the scalar
/// loops, which are also the streaming path, run. `stepVector` / `backwardStepVector` are the
/// eight-lane single steps, kept as the reference the tests hold the kernels to.
public final class SelectiveScan {
    public let channels: Int
    public let stateSize: Int
    public let aLog: Parameter
    public let d: Parameter
    /// Windows per parallel chunk.
    public static let chunkSize = 8

    private let a: Tensor
    /// Aᵀ [N, E], the layout of the vectorised kernels (lanes over channels).
    private let aTransposed: Tensor
    /// h_{−1} = 0, read where a step needs the state before the window.
    private let zeroState: Tensor
    private var output: ActivationBuffer
    /// h_t for every row of the last forward, [B·T, E·N].
    private var states: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var deltaGrad: ActivationBuffer
    private var bGrad: ActivationBuffer
    private var cGrad: ActivationBuffer
    /// Per chunk: dA partial (E·N), dD partial (E), running dL/dh (E·N).
    private var chunkScratch: ActivationBuffer
    private var inputs: (u: Tensor, delta: Tensor, b: Tensor, c: Tensor)?

    public init(name: String, channels: Int, stateSize: Int) {
        self.channels = channels
        self.stateSize = stateSize
        aLog = Parameter(name: "\(name).A_log", shape: [channels, stateSize])
        d = Parameter(name: "\(name).D", shape: [channels])
        for e in 0..<channels {
            for n in 0..<stateSize { aLog.value[e * stateSize + n] = logf(Float(n + 1)) }
        }
        d.value.fill(1)
        a = Tensor([channels, stateSize])
        aTransposed = Tensor([stateSize, channels])
        zeroState = Tensor([channels, stateSize])
        output = ActivationBuffer(rowWidth: channels)
        states = ActivationBuffer(rowWidth: channels * stateSize)
        inputGrad = ActivationBuffer(rowWidth: channels)
        deltaGrad = ActivationBuffer(rowWidth: channels)
        bGrad = ActivationBuffer(rowWidth: stateSize)
        cGrad = ActivationBuffer(rowWidth: stateSize)
        chunkScratch = ActivationBuffer(rowWidth: 2 * channels * stateSize + channels)
    }

    public var parameters: [Parameter] { [aLog, d] }

    /// Off: always the scalar loops (tests compare the two paths).
    var allowsKernels = true

    /// Whether whole chunks run in `VectorKernels` (eight channels per vector).
    func vectorised(channels: Int) -> Bool { allowsKernels && channels % 8 == 0 }

    /// A = −exp(A_log), [E, N], into `a`.
    public static func decayRates(aLog: UnsafePointer<Float>, count: Int, into a: UnsafeMutablePointer<Float>) {
        for i in 0..<count { a[i] = -expf(aLog[i]) }
    }

    /// One step of the recurrence for one window: h ← exp(Δ·A) ⊙ h_prev + (Δ ⊙ u) ⊗ B; y = h·C + D ⊙ u.
    /// `previous` nil means h_prev = 0; it may equal `state` (the streaming path updates in place).
    @inline(__always)
    public static func step(previous: UnsafePointer<Float>?, state h: UnsafeMutablePointer<Float>,
                            u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                            b: UnsafePointer<Float>, c: UnsafePointer<Float>,
                            a: UnsafePointer<Float>, d: UnsafePointer<Float>,
                            channels: Int, stateSize: Int, y: UnsafeMutablePointer<Float>) {
        let n = stateSize
        for e in 0..<channels {
            let dt = delta[e], dtu = dt * u[e]
            let he = h + e * n, ae = a + e * n
            var acc: Float = 0
            if let previous {
                let pe = previous + e * n
                for j in 0..<n {
                    let v = expf(dt * ae[j]) * pe[j] + dtu * b[j]
                    he[j] = v
                    acc += v * c[j]
                }
            } else {
                for j in 0..<n {
                    let v = dtu * b[j]
                    he[j] = v
                    acc += v * c[j]
                }
            }
            y[e] = acc + d[e] * u[e]
        }
    }

    /// `step` eight state entries at a time (N a multiple of 8), with `exp8` for the decays.
    /// `previous` may equal `state`.
    @inline(__always)
    static func stepVector(previous: UnsafePointer<Float>, state h: UnsafeMutablePointer<Float>,
                           u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                           b: UnsafePointer<Float>, c: UnsafePointer<Float>,
                           a: UnsafePointer<Float>, d: UnsafePointer<Float>,
                           channels: Int, stateSize: Int, y: UnsafeMutablePointer<Float>) {
        let n = stateSize
        for e in 0..<channels {
            let dt = delta[e], dtu = dt * u[e]
            var acc = SIMD8<Float>()
            for j in stride(from: 0, to: n, by: 8) {
                let i = e * n + j
                let v = VectorKernels.exp8(dt * load(a + i)) * load(previous + i) + dtu * load(b + j)
                store(v, h + i)
                acc += v * load(c + j)
            }
            y[e] = acc.sum() + d[e] * u[e]
        }
    }

    /// u, Δ: [B·T, E]; b, c: [B·T, N] → y: [B·T, E].
    public func forward(u: Tensor, delta: Tensor, b: Tensor, c: Tensor, batch: Int, steps: Int) -> Tensor {
        let rows = batch * steps
        let y = output.reserve(rows: rows)
        let h = states.reserve(rows: rows)
        inputs = (u, delta, b, c)
        Self.decayRates(aLog: aLog.value.data, count: a.count, into: a.data)
        let e = channels, n = stateSize, stateWidth = e * n
        let chunks = (batch + Self.chunkSize - 1) / Self.chunkSize
        let vectorised = vectorised(channels: e)
        if vectorised {
            for ch in 0..<e {
                for j in 0..<n { aTransposed[j * e + ch] = a[ch * n + j] }
            }
        }
        let aT = aTransposed
        parallelFor(chunks: chunks) { chunk in
            let windows = (chunk * Self.chunkSize)..<min(batch, (chunk + 1) * Self.chunkSize)
            if vectorised {
                // The whole chunk in one kernel call (AVX2+FMA build where the CPU has it);
                // states are stored [rows, N, E] on this path.
                VectorKernels.scanForward(windows: windows, steps: steps, channels: e, stateSize: n, u: u.data,
                                          delta: delta.data, b: b.data, c: c.data, aT: aT.data, d: d.value.data,
                                          states: h.data, y: y.data)
                return
            }
            for w in windows {
                for t in 0..<steps {
                    let r = w * steps + t
                    let previous = t == 0 ? nil : UnsafePointer(h.data + (r - 1) * stateWidth)
                    Self.step(previous: previous, state: h.data + r * stateWidth, u: u.data + r * e,
                              delta: delta.data + r * e, b: b.data + r * n, c: c.data + r * n, a: a.data,
                              d: d.value.data, channels: e, stateSize: n, y: y.data + r * e)
                }
            }
        }
        return y
    }

    /// One step of backward through the recurrence at step t, for one window. dh holds dL/dh_t
    /// from later steps on entry and dL/dh_{t−1} on return; dA, dD, dB, dC accumulate.
    static func backwardStep(dy: UnsafePointer<Float>, u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                             b: UnsafePointer<Float>, c: UnsafePointer<Float>,
                             state h: UnsafePointer<Float>, previous: UnsafePointer<Float>,
                             a: UnsafePointer<Float>, d: UnsafePointer<Float>, channels: Int, stateSize n: Int,
                             stateGrad dh: UnsafeMutablePointer<Float>, aGrad dA: UnsafeMutablePointer<Float>,
                             dGrad dD: UnsafeMutablePointer<Float>, uGrad du: UnsafeMutablePointer<Float>,
                             deltaGrad dDelta: UnsafeMutablePointer<Float>,
                             bGrad dB: UnsafeMutablePointer<Float>, cGrad dC: UnsafeMutablePointer<Float>) {
        for e in 0..<channels {
            let g = dy[e], dt = delta[e], uc = u[e]
            // y = h·C + D·u
            dD[e] += g * uc
            var dU = g * d[e]
            var dDt: Float = 0
            let he = h + e * n, pe = previous + e * n, ae = a + e * n, dAe = dA + e * n, dhe = dh + e * n
            for j in 0..<n {
                dC[j] += g * he[j]
                // total dL/dh_t: from y_t and carried back from h_{t+1}
                let gh = dhe[j] + g * c[j]
                // h_t = decay · h_{t−1} + Δ·u·B, decay = exp(Δ·A)
                let decay = expf(dt * ae[j])
                let ghPrev = gh * decay * pe[j]
                dDt += ghPrev * ae[j] + gh * uc * b[j]
                dAe[j] += ghPrev * dt
                dU += gh * dt * b[j]
                dB[j] += gh * dt * uc
                // h_{t−1} reaches L only through h_t
                dhe[j] = gh * decay
            }
            du[e] = dU
            dDelta[e] = dDt
        }
    }

    /// `backwardStep` eight state entries at a time (N a multiple of 8), with `exp8`; same formulas.
    @inline(__always)
    static func backwardStepVector(dy: UnsafePointer<Float>, u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                                   b: UnsafePointer<Float>, c: UnsafePointer<Float>,
                                   state h: UnsafePointer<Float>, previous: UnsafePointer<Float>,
                                   a: UnsafePointer<Float>, d: UnsafePointer<Float>, channels: Int, stateSize n: Int,
                                   stateGrad dh: UnsafeMutablePointer<Float>, aGrad dA: UnsafeMutablePointer<Float>,
                                   dGrad dD: UnsafeMutablePointer<Float>, uGrad du: UnsafeMutablePointer<Float>,
                                   deltaGrad dDelta: UnsafeMutablePointer<Float>,
                                   bGrad dB: UnsafeMutablePointer<Float>, cGrad dC: UnsafeMutablePointer<Float>) {
        for e in 0..<channels {
            let g = dy[e], dt = delta[e], uc = u[e]
            dD[e] += g * uc
            var dDt = SIMD8<Float>(), dU = SIMD8<Float>()
            for j in stride(from: 0, to: n, by: 8) {
                let i = e * n + j
                let bj = load(b + j), aj = load(a + i)
                store(load(dC + j) + g * load(h + i), dC + j)
                let gh = load(dh + i) + g * load(c + j)
                let decay = VectorKernels.exp8(dt * aj)
                let ghPrev = gh * decay * load(previous + i)
                dDt += ghPrev * aj + gh * uc * bj
                store(load(dA + i) + ghPrev * dt, dA + i)
                dU += gh * bj
                store(load(dB + j) + gh * (dt * uc), dB + j)
                store(gh * decay, dh + i)
            }
            du[e] = g * d[e] + dt * dU.sum()
            dDelta[e] = dDt.sum()
        }
    }

    /// dy: [B·T, E] → (du [B·T, E], dΔ [B·T, E], dB [B·T, N], dC [B·T, N]);
    /// accumulates into A_log.grad and D.grad.
    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> (u: Tensor, delta: Tensor, b: Tensor, c: Tensor) {
        guard let (u, delta, bIn, cIn) = inputs else { preconditionFailure("SelectiveScan.backward before forward") }
        let rows = batch * steps
        let du = inputGrad.reserve(rows: rows), dDelta = deltaGrad.reserve(rows: rows)
        let dB = bGrad.reserve(rows: rows), dC = cGrad.reserve(rows: rows)
        let h = states.tensor
        let e = channels, n = stateSize, stateWidth = e * n
        let chunks = (batch + Self.chunkSize - 1) / Self.chunkSize
        let scratchWidth = 2 * stateWidth + e
        let scratch = chunkScratch.reserve(rows: chunks)
        let a = self.a.data, dParam = d.value.data, zeroState = self.zeroState
        let vectorised = vectorised(channels: e), aT = aTransposed.data
        parallelFor(chunks: chunks) { chunk in
            let dA = scratch.data + chunk * scratchWidth, dD = dA + stateWidth, dh = dD + e
            dA.update(repeating: 0, count: scratchWidth)
            let windows = (chunk * Self.chunkSize)..<min(batch, (chunk + 1) * Self.chunkSize)
            if vectorised {
                VectorKernels.scanBackward(windows: windows, steps: steps, channels: e, stateSize: n, dy: dy.data,
                                           u: u.data, delta: delta.data, b: bIn.data, c: cIn.data, aT: aT,
                                           d: dParam, states: h.data, stateGrad: dh, aGrad: dA, dGrad: dD,
                                           uGrad: du.data, deltaGrad: dDelta.data, bGrad: dB.data, cGrad: dC.data)
                return
            }
            for w in windows {
                dh.update(repeating: 0, count: stateWidth)
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    let r = w * steps + t
                    let ut = u.data + r * e, dtt = delta.data + r * e, dyt = dy.data + r * e
                    let bt = bIn.data + r * n, ct = cIn.data + r * n
                    let ht = h.data + r * stateWidth
                    let hp = t == 0 ? zeroState.data : h.data + (r - 1) * stateWidth
                    let dBt = dB.data + r * n, dCt = dC.data + r * n
                    for j in 0..<n { dBt[j] = 0; dCt[j] = 0 }
                    Self.backwardStep(dy: dyt, u: ut, delta: dtt, b: bt, c: ct, state: ht, previous: hp, a: a, d: dParam,
                                      channels: e, stateSize: n, stateGrad: dh, aGrad: dA, dGrad: dD, uGrad: du.data + r * e,
                                      deltaGrad: dDelta.data + r * e, bGrad: dBt, cGrad: dCt)
                }
            }
        }
        // A = −exp(A_log), so dL/dA_log = dL/dA · (−exp(A_log)) = dL/dA · A.
        let aLogGrad = aLog.grad.data, dGrad = d.grad.data
        for chunk in 0..<chunks {
            let dA = scratch.data + chunk * scratchWidth, dD = dA + stateWidth
            if vectorised {
                // dA partials are [N, E] on the vectorised path.
                for ch in 0..<e {
                    for j in 0..<n { aLogGrad[ch * n + j] += dA[j * e + ch] * a[ch * n + j] }
                }
            } else {
                for i in 0..<stateWidth { aLogGrad[i] += dA[i] * a[i] }
            }
            for ch in 0..<e { dGrad[ch] += dD[ch] }
        }
        return (du, dDelta, dB, dC)
    }
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
