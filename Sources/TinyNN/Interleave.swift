import TinyTensor

/// Interleaves n branch outputs [B, T, d] per step into one sequence [B, n·T, d]:
/// token t·n + i of sequence b is step t of branch i. Backward splits the gradient back.
public final class Interleave {
    public let branches: Int
    public let width: Int
    private var output: ActivationBuffer
    private var branchGrads: [ActivationBuffer]

    public init(branches: Int, width: Int) {
        self.branches = branches
        self.width = width
        output = ActivationBuffer(rowWidth: width)
        branchGrads = (0..<branches).map { _ in ActivationBuffer(rowWidth: width) }
    }

    public func forward(_ inputs: [Tensor], batch: Int, steps: Int) -> Tensor {
        precondition(inputs.count == branches)
        let y = output.reserve(rows: batch * steps * branches)
        for (i, x) in inputs.enumerated() {
            for row in 0..<(batch * steps) {
                (y.data + (row * branches + i) * width).update(from: x.data + row * width, count: width)
            }
        }
        return y
    }

    /// dy [B, n·T, d] → the gradient [B, T, d] of branch `i` (the layer's own buffer).
    public func backward(_ dy: Tensor, branch i: Int, batch: Int, steps: Int) -> Tensor {
        let dx = branchGrads[i].reserve(rows: batch * steps)
        for row in 0..<(batch * steps) {
            (dx.data + row * width).update(from: dy.data + (row * branches + i) * width, count: width)
        }
        return dx
    }
}
