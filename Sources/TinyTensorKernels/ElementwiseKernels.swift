// Elementwise and selective-scan kernels, written once as @inlinable generic code so that
// TinyTensorHaswell specialises them with AVX2+FMA code generation (see GEMMKernels.swift and
// Package.swift) and TinyTensor with the baseline target. TinyNN is compiled for the baseline
// x86-64 target (SSE2, no FMA): there an eight-lane SIMD8 operation is two 4-lane instructions and
// every multiply-add two more, which made these loops several times slower than they need be.
// Nothing here allocates; callers own every buffer.

@inlinable @inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
func loadVector(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// e^x on eight lanes (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-5 polynomial for e^r,
/// 2^n built in the exponent bits). Relative error ≈ 2 ulp; x is clamped to [−87.3, 88.7], so a
/// very negative x gives ≈ 1e−38 rather than 0. The multiply-adds go through `F`, fused where the
/// build has FMA.
@inlinable @inline(__always)
public func kernelExp8<F: GEMMMultiplyAdd>(_: F.Type, _ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.7)
    var v = x.replacing(with: low, where: x .< low)
    v = v.replacing(with: high, where: v .> high)
    let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5·2²³: adding it rounds to an integer
    let shifted = F.multiplyAdd(magic, v, SIMD8<Float>(repeating: 1.442_695_04))
    let n = shifted - magic
    var r = F.multiplyAdd(v, n, SIMD8<Float>(repeating: -0.693_359_375))
    r = F.multiplyAdd(r, n, SIMD8<Float>(repeating: 2.121_944_4e-4))
    var p = SIMD8<Float>(repeating: 1.987_569_1e-4)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 1.398_199_9e-3), p, r)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 8.333_451_9e-3), p, r)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 4.166_579_6e-2), p, r)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 1.666_666_5e-1), p, r)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 5.000_000_1e-1), p, r)
    let y = F.multiplyAdd(r + 1, p, r * r)
    let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self) &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
}

/// log(x) on eight lanes for x > 0 normal (Cephes logf: x = m·2^e with m in [√½, √2), a degree-8
/// polynomial in m − 1). Relative error ≈ 2 ulp.
@inlinable @inline(__always)
public func kernelLog8<F: GEMMMultiplyAdd>(_: F.Type, _ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
    var exponent = SIMD8<Float>((bits &>> 23) &- 127)
    // Mantissa in [1, 2), then fold [√2, 2) down to [√½, 1) so m − 1 stays small.
    var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD8<Float>.self)
    let big = m .> SIMD8<Float>(repeating: 1.414_213_56)
    m = m.replacing(with: m * 0.5, where: big)
    exponent = exponent.replacing(with: exponent + 1, where: big)
    let t = m - 1
    var p = SIMD8<Float>(repeating: 7.037_683_6e-2)
    p = F.multiplyAdd(SIMD8<Float>(repeating: -1.151_461_0e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 1.167_699_9e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: -1.242_014_1e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 1.424_932_3e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: -1.666_805_8e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 2.000_071_4e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: -2.499_999_4e-1), p, t)
    p = F.multiplyAdd(SIMD8<Float>(repeating: 3.333_333_1e-1), p, t)
    let t2 = t * t
    var y = p * t * t2
    y = F.multiplyAdd(y, exponent, SIMD8<Float>(repeating: -2.121_944_4e-4))
    y = F.multiplyAdd(y, t2, SIMD8<Float>(repeating: -0.5))
    return F.multiplyAdd(t + y, exponent, SIMD8<Float>(repeating: 0.693_359_375))
}

/// Applies `body` to `count` floats eight at a time; the partial last group is padded with zeros
/// on load and only its real lanes are stored.
@inlinable @inline(__always)
func mapVectors(count: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                _ body: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= count {
        storeVector(body(loadVector(input + i)), output + i)
        i += 8
    }
    guard i < count else { return }
    var x = SIMD8<Float>()
    for lane in 0..<(count - i) { x[lane] = input[i + lane] }
    let y = body(x)
    for lane in 0..<(count - i) { output[i + lane] = y[lane] }
}

/// `mapVectors` over two inputs.
@inlinable @inline(__always)
func mapVectors(count: Int, _ first: UnsafePointer<Float>, _ second: UnsafePointer<Float>,
                _ output: UnsafeMutablePointer<Float>, _ body: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= count {
        storeVector(body(loadVector(first + i), loadVector(second + i)), output + i)
        i += 8
    }
    guard i < count else { return }
    var a = SIMD8<Float>(), b = SIMD8<Float>()
    for lane in 0..<(count - i) {
        a[lane] = first[i + lane]
        b[lane] = second[i + lane]
    }
    let y = body(a, b)
    for lane in 0..<(count - i) { output[i + lane] = y[lane] }
}

/// The elementwise activation kernels, generic over how multiply-adds are formed.
public enum ElementwiseKernels<F: GEMMMultiplyAdd> {
    /// y = x·σ(x).
    @inlinable
    public static func silu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        mapVectors(count: count, x, y) { x in x / (1 + kernelExp8(F.self, -x)) }
    }

    /// dx = dy · σ(x) · (1 + x·(1 − σ(x))).
    @inlinable
    public static func siluBackward(count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                    dx: UnsafeMutablePointer<Float>) {
        mapVectors(count: count, x, dy, dx) { x, dy in
            let sigma = 1 / (1 + kernelExp8(F.self, -x))
            return dy * sigma * F.multiplyAdd(SIMD8<Float>(repeating: 1), x, 1 - sigma)
        }
    }

    /// y = softplus(x) = max(x, 0) + log(1 + e^(−|x|)), with log1p formed as log(w)·v/(w − 1),
    /// w = 1 + v (exact to a few ulp even where v is tiny, and 0·… → v where w rounds to 1).
    @inlinable
    public static func softplus(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        mapVectors(count: count, x, y) { (x: SIMD8<Float>) -> SIMD8<Float> in
            let zero = SIMD8<Float>(), one = SIMD8<Float>(repeating: 1)
            let negativeAbs: SIMD8<Float> = (-x).replacing(with: x, where: x .< zero)
            let v: SIMD8<Float> = kernelExp8(F.self, negativeAbs)
            let w: SIMD8<Float> = one + v
            let exact = w .== one
            let ratio: SIMD8<Float> = (w - one).replacing(with: one, where: exact)
            let log1p: SIMD8<Float> = (kernelLog8(F.self, w) * v / ratio).replacing(with: v, where: exact)
            return x.replacing(with: zero, where: x .< zero) + log1p
        }
    }

    /// dx = dy · σ(x).
    @inlinable
    public static func softplusBackward(count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                        dx: UnsafeMutablePointer<Float>) {
        mapVectors(count: count, x, dy, dx) { x, dy in dy / (1 + kernelExp8(F.self, -x)) }
    }

    /// out = a ⊙ SiLU(z) with SiLU(z) kept in `gate` (Mamba's output gate, fused).
    @inlinable
    public static func siluGate(count: Int, a: UnsafePointer<Float>, z: UnsafePointer<Float>,
                                gate: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            let zv = loadVector(z + i)
            let g = zv / (1 + kernelExp8(F.self, -zv))
            storeVector(g, gate + i)
            storeVector(loadVector(a + i) * g, out + i)
            i += 8
        }
        while i < count {
            var zv = SIMD8<Float>()
            zv[0] = z[i]
            let g = (zv / (1 + kernelExp8(F.self, -zv)))[0]
            gate[i] = g
            out[i] = a[i] * g
            i += 1
        }
    }

    /// Backward of out = a ⊙ SiLU(z): da = dout ⊙ SiLU(z); dz = dout ⊙ a ⊙ SiLU'(z).
    @inlinable
    public static func siluGateBackward(count: Int, a: UnsafePointer<Float>, z: UnsafePointer<Float>,
                                        dout: UnsafePointer<Float>, da: UnsafeMutablePointer<Float>,
                                        dz: UnsafeMutablePointer<Float>) {
        @inline(__always) func lanes(_ av: SIMD8<Float>, _ zv: SIMD8<Float>, _ g: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
            let sigma = 1 / (1 + kernelExp8(F.self, -zv))
            let silu = zv * sigma
            let dsilu = sigma * F.multiplyAdd(SIMD8<Float>(repeating: 1), zv, 1 - sigma)
            return (g * silu, g * av * dsilu)
        }
        var i = 0
        while i + 8 <= count {
            let (x, y) = lanes(loadVector(a + i), loadVector(z + i), loadVector(dout + i))
            storeVector(x, da + i)
            storeVector(y, dz + i)
            i += 8
        }
        while i < count {
            var av = SIMD8<Float>(), zv = SIMD8<Float>(), g = SIMD8<Float>()
            av[0] = a[i]; zv[0] = z[i]; g[0] = dout[i]
            let (x, y) = lanes(av, zv, g)
            da[i] = x[0]
            dz[i] = y[0]
            i += 1
        }
    }
}

/// Mamba's selective scan over whole windows, eight channels per vector (E a multiple of 8).
///
///     h_t[e, n] = exp(Δ_t[e]·A[e, n]) · h_{t−1}[e, n] + Δ_t[e]·u_t[e]·B_t[n],   h_{−1} = 0
///     y_t[e]    = Σ_n h_t[e, n]·C_t[n] + D[e]·u_t[e]
///
/// Lanes run over channels e, the loop over state entries n, so y_t, dL/du and dL/dΔ accumulate
/// lane-wise with no horizontal sums; only dB_t[n] and dC_t[n] (sums over channels) reduce
/// across lanes, once per (t, n). Layout: u, Δ, y [windows·T, E]; B, C [windows·T, N];
/// A transposed, Aᵀ [N, E]; D [E]; the stored states h [windows·T, N, E] (state-major, internal
/// to the layer).
public enum ScanKernels<F: GEMMMultiplyAdd> {
    @inlinable
    public static func forward(windows: Range<Int>, steps: Int, channels e: Int, stateSize n: Int,
                               u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                               b: UnsafePointer<Float>, c: UnsafePointer<Float>,
                               aT: UnsafePointer<Float>, d: UnsafePointer<Float>,
                               states h: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let stateWidth = e * n
        for w in windows {
            for t in 0..<steps {
                let r = w * steps + t
                let ut = u + r * e, dtt = delta + r * e, bt = b + r * n, ct = c + r * n
                let ht = h + r * stateWidth, yt = y + r * e
                var g = 0
                while g < e {
                    let uv = loadVector(ut + g), dt = loadVector(dtt + g)
                    let dtu = dt * uv
                    var acc = loadVector(d + g) * uv
                    if t == 0 {
                        for j in 0..<n {
                            let v = dtu * bt[j]
                            storeVector(v, ht + j * e + g)
                            acc = F.multiplyAdd(acc, v, SIMD8<Float>(repeating: ct[j]))
                        }
                    } else {
                        let hp = UnsafePointer(ht - stateWidth)
                        for j in 0..<n {
                            let i = j * e + g
                            let decay = kernelExp8(F.self, dt * loadVector(aT + i))
                            let v = F.multiplyAdd(dtu * bt[j], decay, loadVector(hp + i))
                            storeVector(v, ht + i)
                            acc = F.multiplyAdd(acc, v, SIMD8<Float>(repeating: ct[j]))
                        }
                    }
                    storeVector(acc, yt + g)
                    g += 8
                }
            }
        }
    }

    /// Backward through the windows of `forward`: dy [rows, E] → du, dΔ [rows, E], dB, dC
    /// [rows, N] (overwritten); dAᵀ [N, E] and dD [E] accumulate; `stateGrad` is N·E scratch.
    @inlinable
    public static func backward(windows: Range<Int>, steps: Int, channels e: Int, stateSize n: Int,
                                dy: UnsafePointer<Float>, u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                                b: UnsafePointer<Float>, c: UnsafePointer<Float>,
                                aT: UnsafePointer<Float>, d: UnsafePointer<Float>, states h: UnsafePointer<Float>,
                                stateGrad dh: UnsafeMutablePointer<Float>,
                                aGrad dA: UnsafeMutablePointer<Float>, dGrad dD: UnsafeMutablePointer<Float>,
                                uGrad du: UnsafeMutablePointer<Float>, deltaGrad dDelta: UnsafeMutablePointer<Float>,
                                bGrad dB: UnsafeMutablePointer<Float>, cGrad dC: UnsafeMutablePointer<Float>) {
        let stateWidth = e * n
        for w in windows {
            dh.update(repeating: 0, count: stateWidth)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let r = w * steps + t
                let ut = u + r * e, dtt = delta + r * e, dyt = dy + r * e
                let bt = b + r * n, ct = c + r * n
                let ht = h + r * stateWidth, hp = ht - stateWidth
                for j in 0..<n {
                    // dC_t[j] = Σ_e dy[e]·h_t[e, j];  dB_t[j] = Σ_e gh[e, j]·Δ[e]·u[e]
                    var dCj = SIMD8<Float>(), dBj = SIMD8<Float>()
                    let bj = SIMD8<Float>(repeating: bt[j]), cj = SIMD8<Float>(repeating: ct[j])
                    var g = 0
                    while g < e {
                        let i = j * e + g
                        let gy = loadVector(dyt + g), dt = loadVector(dtt + g), uv = loadVector(ut + g)
                        dCj = F.multiplyAdd(dCj, gy, loadVector(ht + i))
                        // total dL/dh_t: carried back from h_{t+1} plus from y_t
                        let gh = F.multiplyAdd(loadVector(dh + i), gy, cj)
                        dBj = F.multiplyAdd(dBj, gh, dt * uv)
                        // dU and dΔ partial sums over j live in du / dDelta (lane-wise, no reduction)
                        var dDt = gh * uv * bj
                        if t > 0 {
                            let aj = loadVector(aT + i)
                            let decay = kernelExp8(F.self, dt * aj)
                            let ghDecay = gh * decay
                            let ghPrev = ghDecay * loadVector(hp + i)
                            dDt = F.multiplyAdd(dDt, ghPrev, aj)
                            storeVector(F.multiplyAdd(loadVector(dA + i), ghPrev, dt), dA + i)
                            storeVector(ghDecay, dh + i)
                        }
                        let o = r * e + g
                        if j == 0 {
                            storeVector(gh * bj, du + o)
                            storeVector(dDt, dDelta + o)
                        } else {
                            storeVector(F.multiplyAdd(loadVector(du + o), gh, bj), du + o)
                            storeVector(loadVector(dDelta + o) + dDt, dDelta + o)
                        }
                        g += 8
                    }
                    dB[r * n + j] = dBj.sum()
                    dC[r * n + j] = dCj.sum()
                }
                // du = dy·D + Δ·Σ_j gh·B;  dD += dy·u
                var g = 0
                while g < e {
                    let o = r * e + g
                    let gy = loadVector(dyt + g), uv = loadVector(ut + g)
                    storeVector(F.multiplyAdd(gy * loadVector(d + g), loadVector(dtt + g), loadVector(du + o)), du + o)
                    storeVector(F.multiplyAdd(loadVector(dD + g), gy, uv), dD + g)
                    g += 8
                }
            }
        }
    }
}

/// Row-wise and optimizer kernels of the transformer models and Adam (same conventions as
/// `ElementwiseKernels`: eight lanes, multiply-adds through `F`, scalar tails).
public enum RowKernels<F: GEMMMultiplyAdd> {
    /// Σ of a row, eight lanes then the tail.
    @inlinable @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ width: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= width { acc += loadVector(x + j); j += 8 }
        var s = acc.sum()
        while j < width { s += x[j]; j += 1 }
        return s
    }

    /// LayerNorm over rows: x̂ = (x − μ)·rstd, y = x̂ ⊙ γ + β; keeps x̂ and rstd.
    @inlinable
    public static func layerNormForward(rows: Int, width: Int, epsilon: Float, x: UnsafePointer<Float>,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                        normalized: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                                        y: UnsafeMutablePointer<Float>) {
        let inverseWidth = 1 / Float(width)
        for r in 0..<rows {
            let row = x + r * width, n = normalized + r * width, out = y + r * width
            let mean = sum(row, width) * inverseWidth
            let meanVector = SIMD8<Float>(repeating: mean)
            var acc = SIMD8<Float>()
            var j = 0
            while j + 8 <= width {
                let dv = loadVector(row + j) - meanVector
                acc = F.multiplyAdd(acc, dv, dv)
                j += 8
            }
            var variance = acc.sum()
            while j < width { let dv = row[j] - mean; variance += dv * dv; j += 1 }
            let s = 1 / (variance * inverseWidth + epsilon).squareRoot()
            rstd[r] = s
            j = 0
            while j + 8 <= width {
                let xn = (loadVector(row + j) - meanVector) * s
                storeVector(xn, n + j)
                storeVector(F.multiplyAdd(loadVector(beta + j), xn, loadVector(gamma + j)), out + j)
                j += 8
            }
            while j < width {
                n[j] = (row[j] - mean) * s
                out[j] = n[j] * gamma[j] + beta[j]
                j += 1
            }
        }
    }

    /// LayerNorm backward: dγ += Σ dy ⊙ x̂, dβ += Σ dy, dx = rstd·(dy⊙γ − mean(dy⊙γ) − x̂·mean(dy⊙γ⊙x̂)).
    @inlinable
    public static func layerNormBackward(rows: Int, width: Int, dy: UnsafePointer<Float>,
                                         normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         gamma: UnsafePointer<Float>, gammaGrad: UnsafeMutablePointer<Float>,
                                         betaGrad: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let inverseWidth = 1 / Float(width)
        for r in 0..<rows {
            let d = dy + r * width, n = normalized + r * width, out = dx + r * width
            var sumG = SIMD8<Float>(), sumGN = SIMD8<Float>()
            var j = 0
            while j + 8 <= width {
                let dv = loadVector(d + j), nv = loadVector(n + j)
                storeVector(F.multiplyAdd(loadVector(gammaGrad + j), dv, nv), gammaGrad + j)
                storeVector(loadVector(betaGrad + j) + dv, betaGrad + j)
                let g = dv * loadVector(gamma + j)
                sumG += g
                sumGN = F.multiplyAdd(sumGN, g, nv)
                j += 8
            }
            var meanG = sumG.sum(), meanGN = sumGN.sum()
            let tail = j
            while j < width {
                gammaGrad[j] += d[j] * n[j]
                betaGrad[j] += d[j]
                let g = d[j] * gamma[j]
                meanG += g
                meanGN += g * n[j]
                j += 1
            }
            meanG *= inverseWidth
            meanGN *= inverseWidth
            let s = rstd[r]
            let mg = SIMD8<Float>(repeating: meanG), mgn = SIMD8<Float>(repeating: meanGN)
            j = 0
            while j + 8 <= width {
                let g = loadVector(d + j) * loadVector(gamma + j)
                storeVector(s * (g - mg - loadVector(n + j) * mgn), out + j)
                j += 8
            }
            j = tail
            while j < width {
                out[j] = s * (d[j] * gamma[j] - meanG - n[j] * meanGN)
                j += 1
            }
        }
    }

    /// Exact GELU y = x·Φ(x) with erf by Abramowitz & Stegun 7.1.26; keeps Φ(x) and φ(x).
    @inlinable
    public static func gelu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            cdf: UnsafeMutablePointer<Float>, pdf: UnsafeMutablePointer<Float>) {
        @inline(__always) func lanes(_ v: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            let zero = SIMD8<Float>()
            let z = v.replacing(with: -v, where: v .< zero) * 0.707_106_77
            let t = 1 / F.multiplyAdd(SIMD8<Float>(repeating: 1), SIMD8<Float>(repeating: 0.327_591_1), z)
            var poly = SIMD8<Float>(repeating: 1.061_405_429)
            poly = F.multiplyAdd(SIMD8<Float>(repeating: -1.453_152_027), poly, t)
            poly = F.multiplyAdd(SIMD8<Float>(repeating: 1.421_413_741), poly, t)
            poly = F.multiplyAdd(SIMD8<Float>(repeating: -0.284_496_736), poly, t)
            poly = F.multiplyAdd(SIMD8<Float>(repeating: 0.254_829_592), poly, t)
            poly = poly * t
            let gauss = kernelExp8(F.self, -z * z)
            let erfAbs = 1 - poly * gauss
            let p = 0.5 * (1 + erfAbs.replacing(with: -erfAbs, where: v .< zero))
            return (v * p, p, 0.398_942_28 * gauss)
        }
        var i = 0
        while i + 8 <= count {
            let (out, p, density) = lanes(loadVector(x + i))
            storeVector(out, y + i); storeVector(p, cdf + i); storeVector(density, pdf + i)
            i += 8
        }
        if i < count {
            var v = SIMD8<Float>()
            for l in 0..<(count - i) { v[l] = x[i + l] }
            let (out, p, density) = lanes(v)
            for l in 0..<(count - i) { y[i + l] = out[l]; cdf[i + l] = p[l]; pdf[i + l] = density[l] }
        }
    }

    /// tanh x = sign(x)·(1 − e^(−2|x|)) / (1 + e^(−2|x|)).
    @inlinable
    public static func tanh(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        mapVectors(count: count, x, y) { (v: SIMD8<Float>) -> SIMD8<Float> in
            let zero = SIMD8<Float>()
            let negativeAbs = (-v).replacing(with: v, where: v .< zero)
            let e = kernelExp8(F.self, 2 * negativeAbs)
            let magnitude = (1 - e) / (1 + e)
            return magnitude.replacing(with: -magnitude, where: v .< zero)
        }
    }

    /// Softmax of each row in place (max-subtracted).
    @inlinable
    public static func softmaxRows(rows: Int, width: Int, _ data: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = data + r * width
            var maximum = row[0]
            for j in 1..<max(width, 1) { maximum = Swift.max(maximum, row[j]) }
            let m = SIMD8<Float>(repeating: maximum)
            var acc = SIMD8<Float>()
            var j = 0
            while j + 8 <= width {
                let e = kernelExp8(F.self, loadVector(row + j) - m)
                storeVector(e, row + j)
                acc += e
                j += 8
            }
            var total = acc.sum()
            if j < width {
                var v = SIMD8<Float>(repeating: -100)
                for l in 0..<(width - j) { v[l] = row[j + l] - maximum }
                let e = kernelExp8(F.self, v)
                for l in 0..<(width - j) { row[j + l] = e[l]; total += e[l] }
            }
            let inverse = 1 / total
            j = 0
            while j + 8 <= width { storeVector(loadVector(row + j) * inverse, row + j); j += 8 }
            while j < width { row[j] *= inverse; j += 1 }
        }
    }

    /// One Adam step over `count` parameters: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
    /// θ ← θ·decay − stepSize·m / (√(v / correction2) + ε).
    @inlinable
    public static func adam(count: Int, theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>,
                            m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                            beta1: Float, beta2: Float, stepSize: Float, correction2: Float, epsilon: Float, decay: Float) {
        @inline(__always) func lanes(_ t: SIMD8<Float>, _ g: SIMD8<Float>, _ mv: SIMD8<Float>, _ vv: SIMD8<Float>)
            -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            let m1 = F.multiplyAdd(beta1 * mv, SIMD8<Float>(repeating: 1 - beta1), g)
            let v1 = F.multiplyAdd(beta2 * vv, SIMD8<Float>(repeating: 1 - beta2), g * g)
            let denominator = (v1 / correction2).squareRoot() + epsilon
            return (t * decay - stepSize * m1 / denominator, m1, v1)
        }
        var i = 0
        while i + 8 <= count {
            let (t, m1, v1) = lanes(loadVector(theta + i), loadVector(grad + i), loadVector(m + i), loadVector(v + i))
            storeVector(t, theta + i); storeVector(m1, m + i); storeVector(v1, v + i)
            i += 8
        }
        while i < count {
            var tv = SIMD8<Float>(), gv = SIMD8<Float>(), mv = SIMD8<Float>(), vv = SIMD8<Float>()
            tv[0] = theta[i]; gv[0] = grad[i]; mv[0] = m[i]; vv[0] = v[i]
            let (t, m1, v1) = lanes(tv, gv, mv, vv)
            theta[i] = t[0]; m[i] = m1[0]; v[i] = v1[0]
            i += 1
        }
    }
}

extension RowKernels {
    /// GLU over [rows, 2·width] → [rows, width]: y = v ⊙ σ(u), keeping σ(u) in `gate`.
    @inlinable
    public static func glu(rows: Int, width: Int, x: UnsafePointer<Float>, gate: UnsafeMutablePointer<Float>,
                           y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let v = x + r * 2 * width, u = v + width, s = gate + r * width, out = y + r * width
            mapVectors(count: width, u, s) { u in 1 / (1 + kernelExp8(F.self, -u)) }
            mapVectors(count: width, v, UnsafePointer(s), out) { v, sigma in v * sigma }
        }
    }

    /// ELU (α = 1): y = x for x > 0, eˣ − 1 otherwise.
    @inlinable
    public static func elu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        mapVectors(count: count, x, y) { (v: SIMD8<Float>) -> SIMD8<Float> in
            let zero = SIMD8<Float>()
            let negative = v.replacing(with: zero, where: v .> zero)
            return v.replacing(with: kernelExp8(F.self, negative) - 1, where: v .<= zero)
        }
    }
}
