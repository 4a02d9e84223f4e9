import TinyTensor

/// Root-mean-square normalisation over each row (Zhang & Sennrich, 2019):
/// y[r, j] = x[r, j] · rstd[r] · weight[j],  rstd[r] = 1 / √(mean_j x[r, j]² + ε).
///
/// No mean subtraction and no bias (Mamba's norm). weight is initialised to 1, ε = 1e-5.
/// Keeps `rstd` per row and the input for backward.
public final class RMSNorm {
    public let width: Int
    public let epsilon: Float
    public let weight: Parameter

    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer
    /// 1/√(mean x² + ε) per row of the last forward, [rows].
    private var rstd: ActivationBuffer
    private var input: Tensor?

    public init(name: String, width: Int, epsilon: Float = 1e-5) {
        self.width = width
        self.epsilon = epsilon
        weight = Parameter(name: "\(name).weight", shape: [width])
        weight.value.fill(1)
        output = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
        rstd = ActivationBuffer(rowWidth: 1)
    }

    public var parameters: [Parameter] { [weight] }

    /// The normalisation of one row (shared with the streaming path).
    @inline(__always)
    public static func normalize(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, width: Int, epsilon: Float,
                                 into y: UnsafeMutablePointer<Float>) -> Float {
        var sumSquares: Float = 0
        for j in 0..<width { sumSquares += x[j] * x[j] }
        let s = 1 / (sumSquares / Float(width) + epsilon).squareRoot()
        for j in 0..<width { y[j] = x[j] * s * weight[j] }
        return s
    }

    /// x: [rows, width] → y: [rows, width].
    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        let s = rstd.reserve(rows: rows)
        input = x
        for r in 0..<rows {
            s.data[r] = Self.normalize(x.data + r * width, weight: weight.value.data, width: width, epsilon: epsilon,
                                       into: y.data + r * width)
        }
        return y
    }

    /// dy: [rows, width] → dx; accumulates into weight.grad.
    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("RMSNorm.backward before forward") }
        let dx = inputGrad.reserve(rows: rows)
        let w = weight.value.data, dw = weight.grad.data
        for r in 0..<rows {
            let xr = x.data + r * width, dyr = dy.data + r * width, dxr = dx.data + r * width
            let s = rstd.tensor.data[r]
            // forward: y_j = x_j · s · w_j with s = (mean x² + ε)^(−1/2), so ∂s/∂x_i = −s³ · x_i / width.
            // dw_j += dy_j · x_j · s;  dx_i = s · g_i − s³ · x_i · (Σ_j g_j x_j) / width, g = dy ⊙ w.
            var gx: Float = 0
            for j in 0..<width {
                dw[j] += dyr[j] * xr[j] * s
                gx += dyr[j] * w[j] * xr[j]
            }
            let correction = s * s * s * gx / Float(width)
            for j in 0..<width { dxr[j] = s * dyr[j] * w[j] - correction * xr[j] }
        }
        return dx
    }
}
