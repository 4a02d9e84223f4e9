import TinyTensorKernels

/// The elementwise and selective-scan kernels of `TinyTensorKernels` compiled here with AVX2+FMA
/// code generation (eight-lane ymm arithmetic, fused multiply-adds). TinyTensor's `VectorKernels`
/// calls these only when the CPU reports AVX2 and FMA.
public enum HaswellKernels {
    typealias E = ElementwiseKernels<FusedMultiplyAdd>
    typealias S = ScanKernels<FusedMultiplyAdd>

    public static func silu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        E.silu(count: count, x: x, y: y)
    }

    public static func siluBackward(count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        E.siluBackward(count: count, x: x, dy: dy, dx: dx)
    }

    public static func softplus(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        E.softplus(count: count, x: x, y: y)
    }

    public static func softplusBackward(count: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        E.softplusBackward(count: count, x: x, dy: dy, dx: dx)
    }

    public static func siluGate(count: Int, a: UnsafePointer<Float>, z: UnsafePointer<Float>,
                                gate: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        E.siluGate(count: count, a: a, z: z, gate: gate, out: out)
    }

    public static func siluGateBackward(count: Int, a: UnsafePointer<Float>, z: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                                        da: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>) {
        E.siluGateBackward(count: count, a: a, z: z, dout: dout, da: da, dz: dz)
    }

    public static func scanForward(windows: Range<Int>, steps: Int, channels: Int, stateSize: Int,
                                   u: UnsafePointer<Float>, delta: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                   c: UnsafePointer<Float>, aT: UnsafePointer<Float>, d: UnsafePointer<Float>,
                                   states: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        S.forward(windows: windows, steps: steps, channels: channels, stateSize: stateSize, u: u, delta: delta,
                  b: b, c: c, aT: aT, d: d, states: states, y: y)
    }

    public static func scanBackward(windows: Range<Int>, steps: Int, channels: Int, stateSize: Int,
                                    dy: UnsafePointer<Float>, u: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                                    b: UnsafePointer<Float>, c: UnsafePointer<Float>, aT: UnsafePointer<Float>,
                                    d: UnsafePointer<Float>, states: UnsafePointer<Float>,
                                    stateGrad: UnsafeMutablePointer<Float>, aGrad: UnsafeMutablePointer<Float>,
                                    dGrad: UnsafeMutablePointer<Float>, uGrad: UnsafeMutablePointer<Float>,
                                    deltaGrad: UnsafeMutablePointer<Float>, bGrad: UnsafeMutablePointer<Float>,
                                    cGrad: UnsafeMutablePointer<Float>) {
        S.backward(windows: windows, steps: steps, channels: channels, stateSize: stateSize, dy: dy, u: u, delta: delta,
                   b: b, c: c, aT: aT, d: d, states: states, stateGrad: stateGrad, aGrad: aGrad, dGrad: dGrad,
                   uGrad: uGrad, deltaGrad: deltaGrad, bGrad: bGrad, cGrad: cGrad)
    }
}

extension HaswellKernels {
    typealias R = RowKernels<FusedMultiplyAdd>

    public static func layerNormForward(rows: Int, width: Int, epsilon: Float, x: UnsafePointer<Float>,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                        normalized: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                                        y: UnsafeMutablePointer<Float>) {
        R.layerNormForward(rows: rows, width: width, epsilon: epsilon, x: x, gamma: gamma, beta: beta,
                           normalized: normalized, rstd: rstd, y: y)
    }

    public static func layerNormBackward(rows: Int, width: Int, dy: UnsafePointer<Float>,
                                         normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         gamma: UnsafePointer<Float>, gammaGrad: UnsafeMutablePointer<Float>,
                                         betaGrad: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        R.layerNormBackward(rows: rows, width: width, dy: dy, normalized: normalized, rstd: rstd, gamma: gamma,
                            gammaGrad: gammaGrad, betaGrad: betaGrad, dx: dx)
    }

    public static func gelu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            cdf: UnsafeMutablePointer<Float>, pdf: UnsafeMutablePointer<Float>) {
        R.gelu(count: count, x: x, y: y, cdf: cdf, pdf: pdf)
    }

    public static func tanh(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        R.tanh(count: count, x: x, y: y)
    }

    public static func softmaxRows(rows: Int, width: Int, _ data: UnsafeMutablePointer<Float>) {
        R.softmaxRows(rows: rows, width: width, data)
    }

    public static func adam(count: Int, theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>,
                            m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                            beta1: Float, beta2: Float, stepSize: Float, correction2: Float, epsilon: Float, decay: Float) {
        R.adam(count: count, theta: theta, grad: grad, m: m, v: v, beta1: beta1, beta2: beta2, stepSize: stepSize,
               correction2: correction2, epsilon: epsilon, decay: decay)
    }
}

extension HaswellKernels {
    public static func glu(rows: Int, width: Int, x: UnsafePointer<Float>, gate: UnsafeMutablePointer<Float>,
                           y: UnsafeMutablePointer<Float>) {
        R.glu(rows: rows, width: width, x: x, gate: gate, y: y)
    }

    public static func elu(count: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        R.elu(count: count, x: x, y: y)
    }
}
