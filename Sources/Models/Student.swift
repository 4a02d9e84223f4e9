import TinyNN
import TinyTensor

/// The student transformer (MODELS.md, "Student"), a pre-LN encoder for microcontrollers:
///
///     h₀ = Linear(F → d)(x) + P            learned position embedding P [T, d]
///     h_l = EncoderBlock_l(h_{l−1}),  l = 1 … L
///     logits = Linear(d → C)(mean_t LN(h_L))                                  [B, C]
public final class Student: ClassifierModel {
    public let kind: ModelKind
    public let shape: ModelShape
    public let config: StudentConfig
    public let embed: Linear
    public let position: LearnedPositionEmbedding
    public let blocks: [EncoderBlock]
    public let finalNorm: LayerNorm
    public let pool: MeanPool
    public let head: Linear

    public init(kind: ModelKind = .student, shape: ModelShape, config: StudentConfig = .student, seed: UInt64) {
        self.kind = kind
        self.shape = shape
        self.config = config
        var rng = SeededRNG(seed: seed)
        let d = config.width
        embed = Linear(name: "embed", inFeatures: shape.features, outFeatures: d, rng: &rng)
        position = LearnedPositionEmbedding(name: "pos", steps: shape.steps, width: d, rng: &rng)
        blocks = (0..<config.layers).map { l in
            EncoderBlock(name: "block\(l)", width: d, heads: config.heads, feedForward: config.feedForward, rng: &rng)
        }
        finalNorm = LayerNorm(name: "ln_f", width: d)
        pool = MeanPool(width: d)
        head = Linear(name: "head", inFeatures: d, outFeatures: shape.classes, rng: &rng)
    }

    public var parameters: [Parameter] {
        embed.parameters + position.parameters + blocks.flatMap(\.parameters) + finalNorm.parameters + head.parameters
    }

    public func zeroInputWeights(reading features: [Int]) { embed.weight.zeroRows(features) }

    public func forward(_ x: Tensor, rows batch: Int, training: Bool) -> Tensor {
        let T = shape.steps
        var h = position.forward(embed.forward(x, rows: batch * T), batch: batch)
        for block in blocks { h = block.forward(h, batch: batch, steps: T) }
        return head.forward(pool.forward(finalNorm.forward(h, rows: batch * T), batch: batch, steps: T), rows: batch)
    }

    public func backward(_ dlogits: Tensor, rows batch: Int) {
        let T = shape.steps
        var dh = finalNorm.backward(pool.backward(head.backward(dlogits, rows: batch), batch: batch, steps: T), rows: batch * T)
        for block in blocks.reversed() { dh = block.backward(dh, batch: batch, steps: T) }
        _ = embed.backward(position.backward(dh, batch: batch), rows: batch * T)
    }

    /// The student has no dropout: nothing to reseed.
    public func reseed(epoch: Int) {}
}
