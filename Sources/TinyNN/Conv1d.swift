import TinyTensor

/// 1-D convolution over time with left padding and a stride, on [B, T, Cin] → [B, T', Cout]:
///
///     y[b, t, o] = bias[o] + Σ_{j<k} Σ_c x[b, t·stride + j − pad, c] · weight[j·Cin + c, o]
///
/// with x = 0 outside 0..<T and T' = ⌊(T + pad − k) / stride⌋ + 1. Causal convolution is
/// pad = k − 1, stride 1 (step t sees steps t−k+1 … t); `stride = k, pad = 0` folds k steps into one.
/// Computed as im2col (the k shifted inputs side by side, [B·T', k·Cin]) times the weight in one
/// GEMM; with k = 1, stride 1 the input already is that matrix and is used as is.
/// Initialisation as PyTorch: weight and bias ~ U(−1/√(k·Cin), 1/√(k·Cin)).
public final class Conv1d {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter

    private var columns: ActivationBuffer
    private var columnsGrad: ActivationBuffer
    private var output: ActivationBuffer
    private var inputGrad: ActivationBuffer
    /// The GEMM's left operand of the last forward (the input itself when k = 1, stride 1).
    private var lastColumns: Tensor?

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int,
                rng: inout SeededRNG) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: "\(name).weight", shape: [kernel * inChannels, outChannels])
        bias = Parameter(name: "\(name).bias", shape: [outChannels])
        columns = ActivationBuffer(rowWidth: kernel * inChannels)
        columnsGrad = ActivationBuffer(rowWidth: kernel * inChannels)
        output = ActivationBuffer(rowWidth: outChannels)
        inputGrad = ActivationBuffer(rowWidth: inChannels)
        let bound = 1 / Float(kernel * inChannels).squareRoot()
        for i in 0..<weight.count { weight.value[i] = (rng.uniform() * 2 - 1) * bound }
        for i in 0..<bias.count { bias.value[i] = (rng.uniform() * 2 - 1) * bound }
    }

    /// Causal convolution: left padding k − 1, stride 1, T' = T.
    public convenience init(causal name: String, inChannels: Int, outChannels: Int, kernel: Int, rng: inout SeededRNG) {
        self.init(name: name, inChannels: inChannels, outChannels: outChannels, kernel: kernel, padding: kernel - 1, rng: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func outputSteps(_ steps: Int) -> Int { (steps + padding - kernel) / stride + 1 }

    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// x: [batch, steps, Cin] → [batch, T', Cout] (the layer's own buffer).
    public func forward(_ x: Tensor, batch: Int, steps: Int) -> Tensor {
        forward(columns: columns(of: x, batch: batch, steps: steps), rows: batch * outputSteps(steps))
    }

    /// The GEMM's left operand for x, [batch·T', k·Cin]: im2col into this layer's buffer, or x
    /// itself when k = 1, stride 1. Valid until the next call. Layers that run several
    /// convolutions of this geometry on one input as one GEMM (the teacher's Q and K) use it with
    /// `columnsGradientBuffer` and `addColumnsGradient`.
    public func columns(of x: Tensor, batch: Int, steps: Int) -> Tensor {
        let outSteps = outputSteps(steps)
        let rows = batch * outSteps
        let width = kernel * inChannels
        let cols: Tensor
        if isPointwise {
            cols = x
        } else {
            cols = columns.reserve(rows: rows)
            for b in 0..<batch {
                for t in 0..<outSteps {
                    let row = cols.data + (b * outSteps + t) * width
                    for j in 0..<kernel {
                        let source = t * stride + j - padding
                        let slot = row + j * inChannels
                        if source >= 0 && source < steps {
                            slot.update(from: x.data + (b * steps + source) * inChannels, count: inChannels)
                        } else {
                            slot.update(repeating: 0, count: inChannels)
                        }
                    }
                }
            }
        }
        return cols
    }

    /// y = cols·W + b for this layer's columns of the input; they must stay unchanged until backward.
    private func forward(columns cols: Tensor, rows: Int) -> Tensor {
        let width = kernel * inChannels
        lastColumns = cols
        let y = output.reserve(rows: rows)
        gemm(transposeA: false, transposeB: false, m: rows, n: outChannels, k: width,
             a: cols.data, lda: width, b: weight.value.data, ldb: outChannels, beta: 0, c: y.data, ldc: outChannels,
             bias: bias.value.data)
        return y
    }

    /// This layer's scratch for a columns' gradient [rows, k·Cin] (nil when k = 1, stride 1, pad 0:
    /// the columns are the input, so their gradient is the input's).
    public func columnsGradientBuffer(rows: Int) -> Tensor? {
        isPointwise ? nil : columnsGrad.reserve(rows: rows)
    }

    /// col2im: adds the columns' gradient [batch·T', k·Cin] into dx [batch, steps, Cin]. im2col
    /// copied x[b, t·stride + j − pad] into slot j of row (b, t), so each slot goes back there.
    public func addColumnsGradient(_ dcols: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                   batch: Int, steps: Int) {
        let outSteps = outputSteps(steps)
        let width = kernel * inChannels
        for b in 0..<batch {
            for t in 0..<outSteps {
                let row = dcols + (b * outSteps + t) * width
                for j in 0..<kernel {
                    let source = t * stride + j - padding
                    guard source >= 0 && source < steps else { continue }
                    let target = dx + (b * steps + source) * inChannels, slot = row + j * inChannels
                    for c in 0..<inChannels { target[c] += slot[c] }
                }
            }
        }
    }

    /// dy: [batch, T', Cout] → dx: [batch, steps, Cin]; accumulates weight and bias gradients.
    public func backward(_ dy: Tensor, batch: Int, steps: Int) -> Tensor {
        guard let cols = lastColumns else { preconditionFailure("Conv1d.backward before forward") }
        let outSteps = outputSteps(steps)
        let rows = batch * outSteps
        let width = kernel * inChannels
        // forward: y = cols·W + b, so dW += colsᵀ·dy, db += Σ_rows dy, dcols = dy·Wᵀ
        gemm(transposeA: true, transposeB: false, m: width, n: outChannels, k: rows,
             a: cols.data, lda: width, b: dy.data, ldb: outChannels, beta: 1, c: weight.grad.data, ldc: outChannels)
        let db = bias.grad.data
        for r in 0..<rows {
            let row = dy.data + r * outChannels
            for o in 0..<outChannels { db[o] += row[o] }
        }
        let dx = inputGrad.reserve(rows: batch * steps)
        if isPointwise {
            gemm(transposeA: false, transposeB: true, m: rows, n: inChannels, k: outChannels,
                 a: dy.data, lda: outChannels, b: weight.value.data, ldb: outChannels, beta: 0, c: dx.data, ldc: inChannels)
            return dx
        }
        let dcols = columnsGrad.reserve(rows: rows)
        gemm(transposeA: false, transposeB: true, m: rows, n: width, k: outChannels,
             a: dy.data, lda: outChannels, b: weight.value.data, ldb: outChannels, beta: 0, c: dcols.data, ldc: width)
        dx.data.update(repeating: 0, count: batch * steps * inChannels)
        addColumnsGradient(dcols.data, into: dx.data, batch: batch, steps: steps)
        return dx
    }
}
