import Foundation
import TinyTensor

/// y = log(1 + eˣ), computed as x for x > 20 (where the two agree in Float) so eˣ cannot
/// overflow. dy/dx = σ(x). Keeps the input for backward.
public final class Softplus {
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
    public static func apply(_ x: Float) -> Float { x > 20 ? x : log1pf(expf(x)) }

    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        input = x
        // Batches as max(x, 0) + log1p(e^(−|x|)), eight lanes at a time; `apply` is the scalar form.
        VectorKernels.softplus(count: rows * width, x: x.data, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("Softplus.backward before forward") }
        let dx = inputGrad.reserve(rows: rows)
        // forward: y = log(1 + eˣ), so dx = dy · σ(x)
        VectorKernels.softplusBackward(count: rows * width, x: x.data, dy: dy.data, dx: dx.data)
        return dx
    }
}
