import Foundation
import TinyTensor

/// GELU, exact form (PyTorch's default): y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)), over [rows, width].
///
/// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5·10⁻⁷, below Float's resolution of Φ near 1):
/// erf(z) = 1 − (a₁t + … + a₅t⁵)·e^(−z²), t = 1/(1 + p·z), z ≥ 0. Its e^(−z²) = e^(−x²/2) is also
/// the Gaussian density φ(x)·√(2π) that backward needs, so one exp per element serves both passes;
/// forward keeps Φ(x) and φ(x).
public final class GELU {
    public let width: Int
    private var output: ActivationBuffer
    private var cdf: ActivationBuffer
    private var pdf: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var input: Tensor?

    public init(width: Int) {
        self.width = width
        output = ActivationBuffer(rowWidth: width)
        cdf = ActivationBuffer(rowWidth: width)
        pdf = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows), phi = cdf.reserve(rows: rows), density = pdf.reserve(rows: rows)
        input = x
        let invSqrt2: Float = 0.707_106_77, invSqrt2Pi: Float = 0.398_942_28
        let xs = x.data, ys = y.data, phis = phi.data, densities = density.data
        for i in 0..<(rows * width) {
            let v = xs[i]
            let z = abs(v) * invSqrt2
            let t = 1 / (1 + 0.327_591_1 * z)
            let poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))))
            let gauss = fastExp(-z * z)
            let erfAbs = 1 - poly * gauss
            let p = 0.5 * (1 + (v < 0 ? -erfAbs : erfAbs))
            phis[i] = p
            densities[i] = invSqrt2Pi * gauss
            ys[i] = v * p
        }
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("GELU.backward before forward") }
        let phi = cdf.tensor, density = pdf.tensor
        let dx = inputGrad.reserve(rows: rows)
        // forward: y = x·Φ(x), so dy/dx = Φ(x) + x·φ(x)
        let g = dy.data, xs = x.data, phis = phi.data, densities = density.data, out = dx.data
        for i in 0..<(rows * width) { out[i] = g[i] * (phis[i] + xs[i] * densities[i]) }
        return dx
    }
}
