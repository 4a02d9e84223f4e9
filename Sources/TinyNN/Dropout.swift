import TinyTensor

/// Inverted dropout: in training, each value is zeroed with probability p and the survivors are
/// scaled by 1/(1−p), so inference is the identity. The mask comes from a seeded stream that the
/// caller reseeds per epoch, which keeps runs (and resumed runs) bit-identical.
public final class Dropout {
    public let width: Int
    public let probability: Float
    private var output: ActivationBuffer
    private var mask: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var trainedLast = false
    public var rng: SeededRNG

    public init(width: Int, probability: Float, rng: SeededRNG) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
        self.width = width
        self.probability = probability
        self.rng = rng
        output = ActivationBuffer(rowWidth: width)
        mask = ActivationBuffer(rowWidth: width)
        inputGrad = ActivationBuffer(rowWidth: width)
    }

    public func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor {
        trainedLast = training && probability > 0
        guard trainedLast else { return x }
        let y = output.reserve(rows: rows)
        let m = mask.reserve(rows: rows)
        let keep = 1 / (1 - probability)
        // The generator is drawn from a local copy (kept in registers, not reloaded from the
        // object per element) and stored back: the same stream, several times faster.
        var local = rng
        let ms = m.data, xs = x.data, ys = y.data
        for i in 0..<(rows * width) {
            ms[i] = local.uniform() < probability ? 0 : keep
            ys[i] = xs[i] * ms[i]
        }
        rng = local
        return y
    }

    public func backward(_ dy: Tensor, rows: Int) -> Tensor {
        guard trainedLast else { return dy }
        let dx = inputGrad.reserve(rows: rows)
        let m = mask.tensor
        // forward: y = x · mask, so dx = dy · mask
        let dxs = dx.data, dys = dy.data, ms = m.data
        parallelRanges(count: rows * width) { range in for i in range { dxs[i] = dys[i] * ms[i] } }
        return dx
    }
}
