import TinyTensor

/// Depthwise causal convolution over time, one filter per channel (Mamba's conv1d, groups = C):
/// y[b, t, c] = bias[c] + Σ_{j=0}^{k−1} weight[j, c] · x[b, t − (k−1) + j, c],
/// with x = 0 before the window starts (left padding k−1, so y_t sees only x_≤t).
///
/// Shapes: x, y [batch, steps, channels] (B = batch, T = steps, C = channels). The weight is
/// stored tap-major [k, C] so the channel loop is contiguous (PyTorch keeps [C, 1, k]); tap k−1
/// multiplies the current step. Initialisation: weight and bias ~ U(−1/√k, 1/√k), PyTorch's
/// `nn.Conv1d` with fan-in k.
public final class CausalConv1d {
    public let channels: Int
    public let kernel: Int
    public let weight: Parameter
    public let bias: Parameter

    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var input: Tensor?

    public init(name: String, channels: Int, kernel: Int, rng: inout SeededRNG) {
        precondition(kernel >= 1, "kernel must be at least 1")
        self.channels = channels
        self.kernel = kernel
        weight = Parameter(name: "\(name).weight", shape: [kernel, channels])
        bias = Parameter(name: "\(name).bias", shape: [channels])
        output = ActivationBuffer(rowWidth: channels)
        inputGrad = ActivationBuffer(rowWidth: channels)
        let bound = 1 / Float(kernel).squareRoot()
        for i in 0..<weight.count { weight.value[i] = (rng.uniform() * 2 - 1) * bound }
        for i in 0..<bias.count { bias.value[i] = (rng.uniform() * 2 - 1) * bound }
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// x: [batch·steps, C] → y: [batch·steps, C].
    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        let y = output.reserve(rows: batch * steps)
        input = x
        let c = channels, w = weight.value.data
        for b in 0..<batch {
            for t in 0..<steps {
                let yt = y.data + (b * steps + t) * c
                yt.update(from: bias.value.data, count: c)
                // Taps that would read before the window start see zeros: skip them.
                for j in max(0, kernel - 1 - t)..<kernel {
                    let xs = x.data + (b * steps + t - (kernel - 1) + j) * c, wj = w + j * c
                    for ch in 0..<c { yt[ch] += wj[ch] * xs[ch] }
                }
            }
        }
        return y
    }

    /// dy: [batch·steps, C] → dx; accumulates into weight.grad and bias.grad.
    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        guard let x = input else { preconditionFailure("CausalConv1d.backward before forward") }
        let dx = inputGrad.reserve(rows: batch * steps)
        dx.buffer.prefix(batch * steps * channels).update(repeating: 0)
        let c = channels, w = weight.value.data, dw = weight.grad.data, db = bias.grad.data
        for b in 0..<batch {
            for t in 0..<steps {
                let dyt = dy.data + (b * steps + t) * c
                // forward: y_t = bias + Σ_j w_j ⊙ x_{t−(k−1)+j}
                for ch in 0..<c { db[ch] += dyt[ch] }
                for j in max(0, kernel - 1 - t)..<kernel {
                    let row = b * steps + t - (kernel - 1) + j
                    let xs = x.data + row * c, dxs = dx.data + row * c
                    let wj = w + j * c, dwj = dw + j * c
                    for ch in 0..<c {
                        dwj[ch] += dyt[ch] * xs[ch]
                        dxs[ch] += dyt[ch] * wj[ch]
                    }
                }
            }
        }
        return dx
    }
}
