import TinyTensor

/// Layer normalisation over the last dimension of [rows, width]:
/// y = (x − μ)·rstd ⊙ γ + β, μ and σ² the row's mean and (biased) variance, rstd = 1/√(σ² + ε).
/// γ starts at 1 and β at 0. Keeps x̂ = (x − μ)·rstd and rstd per row for backward.
public final class LayerNorm {
    public let width: Int
    public let epsilon: Float
    public let gamma: Parameter
    public let beta: Parameter
    private var output: ActivationBuffer
    private var normalized: ActivationBuffer
    private var rstd: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(name: String, width: Int, epsilon: Float = 1e-5) {
        self.width = width
        self.epsilon = epsilon
        gamma = Parameter(name: "\(name).gamma", shape: [width])
        beta = Parameter(name: "\(name).beta", shape: [width])
        gamma.value.fill(1)
        output = ActivationBuffer(rowWidth: width)
        normalized = ActivationBuffer(rowWidth: width)
        rstd = ActivationBuffer(rowWidth: 1)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        let xhat = normalized.reserve(rows: rows)
        let rs = rstd.reserve(rows: rows)
        // Eight lanes at a time (`VectorKernels`, AVX2+FMA where the CPU has it).
        VectorKernels.layerNormForward(rows: rows, width: width, epsilon: epsilon, x: x.data, gamma: gamma.value.data,
                                       beta: beta.value.data, normalized: xhat.data, rstd: rs.data, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        let xhat = normalized.tensor, rs = rstd.tensor
        let dx = inputGrad.reserve(rows: rows)
        // forward: y = x̂·γ + β, so dγ += dy·x̂, dβ += dy, dx̂ = dy·γ;
        // x̂ = (x − μ)·rstd, so dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
        VectorKernels.layerNormBackward(rows: rows, width: width, dy: dy.data, normalized: xhat.data, rstd: rs.data,
                                        gamma: gamma.value.data, gammaGrad: gamma.grad.data, betaGrad: beta.grad.data,
                                        dx: dx.data)
        return dx
    }
}
