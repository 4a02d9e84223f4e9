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
        for i in 0..<n { y.data[i] = Swift.max(x.data[i], 0) }
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        let y = output.tensor
        let dx = inputGrad.reserve(rows: rows)
        let n = rows * width
        // forward: y = max(x, 0), so dx = dy where y > 0 (the subgradient at 0 is taken as 0)
        for i in 0..<n { dx.data[i] = y.data[i] > 0 ? dy.data[i] : 0 }
        return dx
    }
}
