import TinyTensor

/// Mean over steps: [B, T, d] → [B, d], y[b] = (1/T) Σ_t x[b, t]. Backward: dx[b, t] = dy[b] / T.
public final class MeanPool {
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
        let inv = 1 / Float(steps)
        for b in 0..<batch {
            let out = y.data + b * width
            out.update(repeating: 0, count: width)
            for t in 0..<steps {
                let row = x.data + (b * steps + t) * width
                for j in 0..<width { out[j] += row[j] }
            }
            for j in 0..<width { out[j] *= inv }
        }
        return y
    }

    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        let dx = inputGrad.reserve(rows: batch * steps)
        let inv = 1 / Float(steps)
        for b in 0..<batch {
            let g = dy.data + b * width
            for t in 0..<steps {
                let row = dx.data + (b * steps + t) * width
                for j in 0..<width { row[j] = g[j] * inv }
            }
        }
        return dx
    }
}
