import Foundation
import TinyTensor

/// Gated linear unit over [rows, 2·width] → [rows, width]: the first half of each row is the
/// value v, the second the gate u, and y = v ⊙ σ(u).
public final class GLU {
    public let width: Int
    private var output: ActivationBuffer
    private var gate: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var input: Tensor?

    public init(width: Int) {
        self.width = width
        output = ActivationBuffer(rowWidth: width)
        gate = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: 2 * width)
    }

    public func forward(_ x: Tensor, rows: Int) -> Tensor {
        let y = output.reserve(rows: rows)
        let s = gate.reserve(rows: rows)
        input = x
        // σ(u) with an eight-lane exp (`VectorKernels`, AVX2+FMA where the CPU has it).
        VectorKernels.glu(rows: rows, width: width, x: x.data, gate: s.data, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard let x = input else { preconditionFailure("GLU.backward before forward") }
        let s = gate.tensor.data, dys = dy.data, xs = x.data, width = width
        let dx = inputGrad.reserve(rows: rows)
        let dxs = dx.data
        parallelRanges(count: rows, minimumPerThread: 16_384 / width) { range in
            for r in range {
                let v = xs + r * 2 * width
                let dv = dxs + r * 2 * width, du = dv + width
                for j in 0..<width {
                    let g = dys[r * width + j], sigma = s[r * width + j]
                    // forward: y = v·σ(u), so dv = dy·σ(u) and du = dy·v·σ(u)(1 − σ(u))
                    dv[j] = g * sigma
                    du[j] = g * v[j] * sigma * (1 - sigma)
                }
            }
        }
        return dx
    }
}
