import TinyTensor

/// y = max(x, 0). Backward passes the gradient where the output was positive.
public final class ReLU {
    public let width: Int
    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(width: Int) {
        self.width = width
        output = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        let n = rows * width
        let xs = x.data, ys = y.data
        for i in 0..<n { ys[i] = Swift.max(xs[i], 0) }
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        let y = output.tensor
        let dx = inputGrad.reserve(rows: rows)
        let n = rows * width
        // forward: y = max(x, 0), so dx = dy where y > 0 (the subgradient at 0 is taken as 0)
        let ys = y.data, dys = dy.data, dxs = dx.data
        for i in 0..<n { dxs[i] = ys[i] > 0 ? dys[i] : 0 }
        return dx
    }
}
