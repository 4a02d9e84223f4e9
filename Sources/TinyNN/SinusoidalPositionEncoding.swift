import Foundation
import TinyTensor

/// y[b, t, :] = scale · x[b, t, :] + PE[t, :], on [B, T, d], with the transformer's fixed table
/// PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(t / 10000^(2i/d)).
/// The MDCSA teacher uses scale = √d. Backward is dx = scale · dy, so the gradient reaches the
/// embedding Linear below (the reference implementation detaches it by mistake).
public final class SinusoidalPositionEncoding {
    public let width: Int
    public let scale: Float
    /// PE for steps 0..<T, grown when a longer window arrives.
    private var table = Tensor([0])
    private var tableSteps = 0
    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(width: Int, scale: Float) {
        self.width = width
        self.scale = scale
        output = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    /// PE[t, j] (Double-precision angles, rounded once to Float).
    public static func value(step t: Int, dimension j: Int, width: Int) -> Float {
        let angle = Double(t) / pow(10_000, Double(j - j % 2) / Double(width))
        return Float(j % 2 == 0 ? sin(angle) : cos(angle))
    }

    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        if steps > tableSteps {
            table = Tensor([steps, width])
            for t in 0..<steps {
                for j in 0..<width { table[t * width + j] = Self.value(step: t, dimension: j, width: width) }
            }
            tableSteps = steps
        }
        let y = output.reserve(rows: batch * steps)
        for b in 0..<batch {
            for t in 0..<steps {
                let offset = (b * steps + t) * width
                let pe = table.data + t * width
                for j in 0..<width { y.data[offset + j] = scale * x.data[offset + j] + pe[j] }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        let dx = inputGrad.reserve(rows: batch * steps)
        // forward: y = scale·x + PE, so dx = scale·dy
        let dxs = dx.data, dys = dy.data
        for i in 0..<(batch * steps * width) { dxs[i] = scale * dys[i] }
        return dx
    }
}
