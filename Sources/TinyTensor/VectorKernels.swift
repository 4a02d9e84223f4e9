import TinyTensorKernels
#if canImport(TinyTensorHaswell)
import TinyTensorHaswell
#endif

/// Elementwise activations and Mamba's selective scan, run by the same compiled copy as the GEMM
/// (`GEMMBackend`): the AVX2+FMA build in TinyTensorHaswell when the CPU has it, else the build
/// for this module's baseline target. Every call in a process takes the same copy, so results
/// are reproducible; the two copies agree to a few ulp (fused versus separate multiply-adds).
public enum VectorKernels {
    /// e^x on eight lanes (`kernelExp8`, Cephes' expf, relative error ≈ 2 ulp over [−87.3, 88.7])
    /// with separate multiplies and adds: the single-step references that the fused kernels are
    /// tested against use it.
    @inline(__always)
    public static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> { kernelExp8(SeparateMultiplyAdd.self, x) }

    #if arch(x86_64)
    typealias Portable = SeparateMultiplyAdd
    #else
    typealias Portable = FusedMultiplyAdd
    #endif

    @inline(__always) static var haswell: Bool {
        #if canImport(TinyTensorHaswell)
        return GEMMBackend.kernel == .haswell
        #else
        return false
        #endif
    }

    /// y = x·σ(x) over `count` floats.
    public static func silu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.silu(count: count, x: x, y: y) }
        #endif
        ElementwiseKernels<Portable>.silu(count: count, x: x, y: y)
    }

    /// dx = dy · SiLU'(x).
    public static func siluBackward(count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.siluBackward(count: count, x: x, dy: dy, dx: dx) }
        #endif
        ElementwiseKernels<Portable>.siluBackward(count: count, x: x, dy: dy, dx: dx)
    }

    /// y = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)).
    public static func softplus(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.softplus(count: count, x: x, y: y) }
        #endif
        ElementwiseKernels<Portable>.softplus(count: count, x: x, y: y)
    }

    /// dx = dy · σ(x).
    public static func softplusBackward(count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.softplusBackward(count: count, x: x, dy: dy, dx: dx) }
        #endif
        ElementwiseKernels<Portable>.softplusBackward(count: count, x: x, dy: dy, dx: dx)
    }

    /// out = a ⊙ SiLU(z), keeping SiLU(z) in `gate`.
    public static func siluGate(count: Int, a: UnsafePointer<Float>, z: UnsafePointer<Float>,
                                gate: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.siluGate(count: count, a: a, z: z, gate: gate, out: out) }
        #endif
        ElementwiseKernels<Portable>.siluGate(count: count, a: a, z: z, gate: gate, out: out)
    }

    /// Backward of out = a ⊙ SiLU(z): da = dout ⊙ SiLU(z), dz = dout ⊙ a ⊙ SiLU'(z).
    public static func siluGateBackward(count: Int, a: UnsafePointer<Float>, z: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                                        da: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.siluGateBackward(count: count, a: a, z: z, dout: dout, da: da, dz: dz) }
        #endif
        ElementwiseKernels<Portable>.siluGateBackward(count: count, a: a, z: z, dout: dout, da: da, dz: dz)
    }

    /// The selective scan's forward over `windows` (E a multiple of 8; A transposed, states [rows, N, E]); see `ScanKernels`.
    public static func scanForward(windows: Range<Int>, steps: Int, channels: Int, stateSize: Int,
                                   u: UnsafePointer<Float>, delta: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                   c: UnsafePointer<Float>, aT: UnsafePointer<Float>, d: UnsafePointer<Float>,
                                   states: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        precondition(channels % 8 == 0, "scanForward: \(channels) channels is not a multiple of 8")
        #if canImport(TinyTensorHaswell)
        if haswell {
            return HaswellKernels.scanForward(windows: windows, steps: steps, channels: channels, stateSize: stateSize,
                                              u: u, delta: delta, b: b, c: c, aT: aT, d: d, states: states, y: y)
        }
        #endif
        ScanKernels<Portable>.forward(windows: windows, steps: steps, channels: channels, stateSize: stateSize,
                                      u: u, delta: delta, b: b, c: c, aT: aT, d: d, states: states, y: y)
    }

    /// The selective scan's backward over `windows` (E a multiple of 8; A transposed, states [rows, N, E]); see `ScanKernels`.
    public static func scanBackward(windows: Range<Int>, steps: Int, channels: Int, stateSize: Int,
                                    dy: UnsafePointer<Float>, u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                                    b: UnsafePointer<Float>, c: UnsafePointer<Float>, aT: UnsafePointer<Float>,
                                    d: UnsafePointer<Float>, states: UnsafePointer<Float>,
                                    stateGrad: UnsafeMutablePointer<Float>, aGrad: UnsafeMutablePointer<Float>,
                                    dGrad: UnsafeMutablePointer<Float>, uGrad: UnsafeMutablePointer<Float>,
                                    deltaGrad: UnsafeMutablePointer<Float>, bGrad: UnsafeMutablePointer<Float>,
                                    cGrad: UnsafeMutablePointer<Float>) {
        precondition(channels % 8 == 0, "scanBackward: \(channels) channels is not a multiple of 8")
        #if canImport(TinyTensorHaswell)
        if haswell {
            return HaswellKernels.scanBackward(windows: windows, steps: steps, channels: channels, stateSize: stateSize,
                                               dy: dy, u: u, delta: delta, b: b, c: c, aT: aT, d: d, states: states,
                                               stateGrad: stateGrad, aGrad: aGrad, dGrad: dGrad, uGrad: uGrad,
                                               deltaGrad: deltaGrad, bGrad: bGrad, cGrad: cGrad)
        }
        #endif
        ScanKernels<Portable>.backward(windows: windows, steps: steps, channels: channels, stateSize: stateSize,
                                       dy: dy, u: u, delta: delta, b: b, c: c, aT: aT, d: d, states: states,
                                       stateGrad: stateGrad, aGrad: aGrad, dGrad: dGrad, uGrad: uGrad,
                                       deltaGrad: deltaGrad, bGrad: bGrad, cGrad: cGrad)
    }
}

extension VectorKernels {
    /// LayerNorm forward over [rows, width]; keeps x̂ and rstd (see `RowKernels`). Rows are
    /// independent, so large batches split over the cores.
    public static func layerNormForward(rows: Int, width: Int, epsilon: Float, x: UnsafePointer<Float>,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                        normalized: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                                        y: UnsafeMutablePointer<Float>) {
        parallelRanges(count: rows, minimumPerThread: 16_384 / Swift.max(width, 1)) { range in
            let n = range.count, offset = range.lowerBound * width
            let x = x + offset, normalized = normalized + offset, rstd = rstd + range.lowerBound, y = y + offset
            #if canImport(TinyTensorHaswell)
            if haswell {
                return HaswellKernels.layerNormForward(rows: n, width: width, epsilon: epsilon, x: x, gamma: gamma, beta: beta,
                                                       normalized: normalized, rstd: rstd, y: y)
            }
            #endif
            RowKernels<Portable>.layerNormForward(rows: n, width: width, epsilon: epsilon, x: x, gamma: gamma, beta: beta,
                                                  normalized: normalized, rstd: rstd, y: y)
        }
    }

    /// LayerNorm backward; dγ and dβ accumulate, dx is overwritten.
    public static func layerNormBackward(rows: Int, width: Int, dy: UnsafePointer<Float>,
                                         normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         gamma: UnsafePointer<Float>, gammaGrad: UnsafeMutablePointer<Float>,
                                         betaGrad: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell {
            return HaswellKernels.layerNormBackward(rows: rows, width: width, dy: dy, normalized: normalized, rstd: rstd,
                                                    gamma: gamma, gammaGrad: gammaGrad, betaGrad: betaGrad, dx: dx)
        }
        #endif
        RowKernels<Portable>.layerNormBackward(rows: rows, width: width, dy: dy, normalized: normalized, rstd: rstd,
                                               gamma: gamma, gammaGrad: gammaGrad, betaGrad: betaGrad, dx: dx)
    }

    /// Exact GELU (A&S 7.1.26 erf), keeping Φ(x) and φ(x) for backward.
    public static func gelu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            cdf: UnsafeMutablePointer<Float>, pdf: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.gelu(count: count, x: x, y: y, cdf: cdf, pdf: pdf) }
        #endif
        RowKernels<Portable>.gelu(count: count, x: x, y: y, cdf: cdf, pdf: pdf)
    }

    /// y = tanh(x), split over the cores when large.
    public static func tanh(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return acrossCores(count: count, x: x, y: y, HaswellKernels.tanh(count:x:y:)) }
        #endif
        acrossCores(count: count, x: x, y: y, RowKernels<Portable>.tanh(count:x:y:))
    }

    /// An elementwise y = f(x) kernel run over contiguous ranges, one per core when large.
    private static func acrossCores(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                                    _ kernel: @escaping (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        parallelRanges(count: count) { range in kernel(range.count, x + range.lowerBound, y + range.lowerBound) }
    }

    /// Softmax of each of `rows` rows of `width`, in place.
    public static func softmaxRows(rows: Int, width: Int, _ data: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return HaswellKernels.softmaxRows(rows: rows, width: width, data) }
        #endif
        RowKernels<Portable>.softmaxRows(rows: rows, width: width, data)
    }

    /// One Adam step over one parameter tensor (see `RowKernels.adam`).
    public static func adam(count: Int, theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>,
                            m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                            beta1: Float, beta2: Float, stepSize: Float, correction2: Float, epsilon: Float, decay: Float) {
        #if canImport(TinyTensorHaswell)
        if haswell {
            return HaswellKernels.adam(count: count, theta: theta, grad: grad, m: m, v: v, beta1: beta1, beta2: beta2,
                                       stepSize: stepSize, correction2: correction2, epsilon: epsilon, decay: decay)
        }
        #endif
        RowKernels<Portable>.adam(count: count, theta: theta, grad: grad, m: m, v: v, beta1: beta1, beta2: beta2,
                                  stepSize: stepSize, correction2: correction2, epsilon: epsilon, decay: decay)
    }
}

extension VectorKernels {
    /// GLU over [rows, 2·width]: y = v ⊙ σ(u), keeping σ(u) in `gate` [rows, width].
    public static func glu(rows: Int, width: Int, x: UnsafePointer<Float>, gate: UnsafeMutablePointer<Float>,
                           y: UnsafeMutablePointer<Float>) {
        parallelRanges(count: rows, minimumPerThread: 16_384 / Swift.max(width, 1)) { range in
            let n = range.count, x = x + 2 * width * range.lowerBound
            let gate = gate + width * range.lowerBound, y = y + width * range.lowerBound
            #if canImport(TinyTensorHaswell)
            if haswell { return HaswellKernels.glu(rows: n, width: width, x: x, gate: gate, y: y) }
            #endif
            RowKernels<Portable>.glu(rows: n, width: width, x: x, gate: gate, y: y)
        }
    }

    /// ELU (α = 1), split over the cores when large.
    public static func elu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        #if canImport(TinyTensorHaswell)
        if haswell { return acrossCores(count: count, x: x, y: y, HaswellKernels.elu(count:x:y:)) }
        #endif
        acrossCores(count: count, x: x, y: y, RowKernels<Portable>.elu(count:x:y:))
    }
}
