import TinyTensor

/// Max-pooling over time with window = stride = `size`, flooring as Keras' MaxPooling1D:
/// [B, T, C] → [B, ⌊T/size⌋, C], y[b, t, c] = max_{j<size} x[b, t·size + j, c]; trailing steps
/// that do not fill a window are dropped. Backward routes dy to the arg-max (the first on ties).
public final class MaxPoolOverTime {
    public let channels: Int
    public let size: Int
    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer
    /// For each output element, the input step that won.
    private var winners: [Int32] = []

    public init(channels: Int, size: Int = 2) {
        self.channels = channels
        self.size = size
        output = ActivationBuffer(rowWidth: channels)
        inputGrad = ActivationBuffer(rowWidth: channels)
    }

    public func outputSteps(_ steps: Int) -> Int { steps / size }

    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        let outSteps = outputSteps(steps)
        let y = output.reserve(rows: batch * outSteps)
        if winners.count < batch * outSteps * channels { winners = [Int32](repeating: 0, count: batch * outSteps * channels) }
        winners.withUnsafeMutableBufferPointer { win in
            for b in 0..<batch {
                for t in 0..<outSteps {
                    let out = (b * outSteps + t) * channels
                    for c in 0..<channels {
                        var best = t * size
                        for j in 1..<size where x.data[(b * steps + t * size + j) * channels + c] > x.data[(b * steps + best) * channels + c] {
                            best = t * size + j
                        }
                        win[out + c] = Int32(best)
                        y.data[out + c] = x.data[(b * steps + best) * channels + c]
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        let outSteps = outputSteps(steps)
        let dx = inputGrad.reserve(rows: batch * steps)
        dx.data.update(repeating: 0, count: batch * steps * channels)
        for b in 0..<batch {
            for t in 0..<outSteps {
                let out = (b * outSteps + t) * channels
                for c in 0..<channels {
                    dx.data[(b * steps + Int(winners[out + c])) * channels + c] += dy.data[out + c]
                }
            }
        }
        return dx
    }
}
