import TinyTensor

/// y[b, t, :] = x[b, t, :] + P[t, :] on [B, T, d], with a trained table P [T, d] ~ N(0, 0.02²)
/// (GPT-2's initialisation). Backward: dx = dy, dP[t] += Σ_b dy[b, t].
public final class LearnedPositionEmbedding {
    public let steps: Int
    public let width: Int
    public let table: Parameter
    private var output: ActivationBuffer

    public init(name: String, steps: Int, width: Int, rng: inout SeededRNG) {
        self.steps = steps
        self.width = width
        table = Parameter(name: "\(name).table", shape: [steps, width])
        for i in 0..<table.count { table.value[i] = rng.normal() * 0.02 }
        output = ActivationBuffer(rowWidth: width)
    }

    public var parameters: [Parameter] { [table] }

    public func forward(_ x: Tensor, batch: Int) -> Tensor {
        let y = output.reserve(rows: batch * steps)
        let p = table.value.data
        for b in 0..<batch {
            let offset = b * steps * width
            for i in 0..<(steps * width) { y.data[offset + i] = x.data[offset + i] + p[i] }
        }
        return y
    }

    /// Accumulates dP and returns dy itself as dx (the addition passes the gradient through unchanged).
    public func backward(_ dy: Tensor, batch: Int) -> Tensor {
        let dp = table.grad.data
        for b in 0..<batch {
            let offset = b * steps * width
            for i in 0..<(steps * width) { dp[i] += dy.data[offset + i] }
        }
        return dy
    }
}
