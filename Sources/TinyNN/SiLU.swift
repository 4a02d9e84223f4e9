import Foundation
import TinyTensor

/// SiLU (swish): y = x · σ(x), σ(x) = 1 / (1 + e^(−x)).
/// dy/dx = σ(x) · (1 + x · (1 − σ(x))). Keeps the input for backward. Batches run eight lanes at
/// a time with `exp8`; `apply` (one value, libm's expf) agrees to float rounding.
public final class SiLU {
    public let width: Int
    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var input: Tensor?

    public init(width: Int) {
        self.width = width
        output = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    @inline(__always)
    public static func apply(_ x: Float) -> Float { x / (1 + expf(-x)) }

    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        input = x
        mapLanes8(count: rows * width, x.data, y.data) { x in x / (1 + exp8(-x)) }
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        let dx = inputGrad.reserve(rows: rows)
        mapLanes8(count: rows * width, x.data, dy.data, dx.data) { x, dy in
            // forward: y = x · σ(x), so dx = dy · σ · (1 + x · (1 − σ))
            let sigma = 1 / (1 + exp8(-x))
            return dy * sigma * (1 + x * (1 - sigma))
        }
        return dx
    }
}
