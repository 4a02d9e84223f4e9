import TinyTensor

/// The last step of each sequence: [B, T, d] → [B, d], y[b] = x[b, T−1].
/// Backward: dx[b, T−1] = dy[b], every other step 0.
public final class LastStepPool {
    public let width: Int
    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(width: Int) {
        self.width = width
        output = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        let y = output.reserve(rows: batch)
        for b in 0..<batch {
            (y.data + b * width).update(from: x.data + (b * steps + steps - 1) * width, count: width)
        }
        return y
    }

    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        let dx = inputGrad.reserve(rows: batch * steps)
        dx.data.update(repeating: 0, count: batch * steps * width)
        for b in 0..<batch {
            (dx.data + (b * steps + steps - 1) * width).update(from: dy.data + b * width, count: width)
        }
        return dx
    }
}
