import Foundation
import TinyTensor

/// y = tanh(x), elementwise over [rows, width]. Backward uses the kept output: dx = dy·(1 − y²).
public final class Tanh {
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
        // tanh|x| = (1 − e^(−2|x|)) / (1 + e^(−2|x|)), sign restored: one exp, never overflowing
        // (glibc's tanhf goes through expm1f and costs several times as much); eight lanes at a
        // time in `VectorKernels.tanh`.
        VectorKernels.tanh(count: rows * width, x: x.data, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        let y = output.tensor
        let dx = inputGrad.reserve(rows: rows)
        // forward: y = tanh(x), so dx = dy · (1 − y²)
        let ys = y.data, dys = dy.data, dxs = dx.data
        parallelRanges(count: rows * width) { range in
            for i in range { dxs[i] = dys[i] * (1 - ys[i] * ys[i]) }
        }
        return dx
    }
}
