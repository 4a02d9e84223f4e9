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
        // Eight lanes at a time (`VectorKernels.gelu`, the same formulas, AVX2+FMA where available).
        VectorKernels.gelu(count: rows * width, x: x.data, y: y.data, cdf: phi.data, pdf: density.data)
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
