import Foundation
import TinyTensor

/// SiLU (swish): y = x · σ(x), σ(x) = 1 / (1 + e^(−x)).
/// dy/dx = σ(x) · (1 + x · (1 − σ(x))). Keeps the input for backward. Batches run eight lanes at
/// a time (`VectorKernels`, AVX2+FMA where the CPU has it); `apply` (one value, libm's expf) agrees to float rounding.
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
        VectorKernels.silu(count: rows * width, x: x.data, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        let dx = inputGrad.reserve(rows: rows)
        // forward: y = x · σ(x), so dx = dy · σ · (1 + x · (1 − σ))
        VectorKernels.siluBackward(count: rows * width, x: x.data, dy: dy.data, dx: dx.data)
        return dx
    }
}
