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
        let g = gamma.value.data, b = beta.value.data
        for r in 0..<rows {
            let row = x.data + r * width
            var mean: Float = 0
            for j in 0..<width { mean += row[j] }
            mean /= Float(width)
            var variance: Float = 0
            for j in 0..<width {
                let d = row[j] - mean
                variance += d * d
            }
            let s = 1 / (variance / Float(width) + epsilon).squareRoot()
            rs.data[r] = s
            let n = xhat.data + r * width, out = y.data + r * width
            for j in 0..<width {
                n[j] = (row[j] - mean) * s
                out[j] = n[j] * g[j] + b[j]
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        let xhat = normalized.tensor, rs = rstd.tensor
        let dx = inputGrad.reserve(rows: rows)
        let g = gamma.value.data, dg = gamma.grad.data, db = beta.grad.data
        for r in 0..<rows {
            let d = dy.data + r * width, n = xhat.data + r * width, out = dx.data + r * width
            // forward: y = x̂·γ + β, so dγ += dy·x̂, dβ += dy, dx̂ = dy·γ
            var meanDxhat: Float = 0, meanDxhatXhat: Float = 0
            for j in 0..<width {
                dg[j] += d[j] * n[j]
                db[j] += d[j]
                let dxhat = d[j] * g[j]
                meanDxhat += dxhat
                meanDxhatXhat += dxhat * n[j]
            }
            meanDxhat /= Float(width)
            meanDxhatXhat /= Float(width)
            // x̂ = (x − μ)·rstd, so dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
            for j in 0..<width {
                out[j] = rs.data[r] * (d[j] * g[j] - meanDxhat - n[j] * meanDxhatXhat)
            }
        }
        return dx
    }
}
