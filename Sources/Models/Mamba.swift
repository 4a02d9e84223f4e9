import TinyNN
import TinyTensor

/// The Mamba classifier (MODELS.md): Linear(F → d) → L Mamba blocks → RMSNorm → pool over the
/// T steps (mean or last) → Linear(d → C).
///
/// Shapes: x [B, T, F] (read as [B·T, F] rows) → logits [B, C]. Every projection is one GEMM
/// over all B·T rows. `MambaStream` runs the same weights one step at a time.
public final class Mamba: ClassifierModel {
    public let kind: ModelKind
    public let shape: ModelShape
    public let config: MambaConfig
    public let embed: Linear
    public let blocks: [MambaBlock]
    public let norm: RMSNorm
    public let meanPool: MeanPool
    public let lastPool: LastStepPool
    public let head: Linear

    public init(kind: ModelKind = .mamba, shape: ModelShape, config: MambaConfig = .mamba, seed: UInt64) {
        self.kind = kind
        self.shape = shape
        self.config = config
        var rng = SeededRNG(seed: seed)
        let d = config.width
        embed = Linear(name: "embed", inFeatures: shape.features, outFeatures: d, rng: &rng)
        blocks = (0..<config.blocks).map { MambaBlock(name: "block\($0)", config: config, steps: shape.steps, rng: &rng) }
        norm = RMSNorm(name: "norm", width: d)
        meanPool = MeanPool(width: d)
        lastPool = LastStepPool(width: d)
        head = Linear(name: "head", inFeatures: d, outFeatures: shape.classes, rng: &rng)
    }

    public var parameters: [Parameter] {
        embed.parameters + blocks.flatMap(\.parameters) + norm.parameters + head.parameters
    }

    public func zeroInputWeights(reading features: [Int]) { embed.weight.zeroRows(features) }

    public func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor {
        let steps = shape.steps
        var h = embed.forward(x, rows: rows * steps)
        for block in blocks { h = block.forward(h, batch: rows) }
        let normed = norm.forward(h, rows: rows * steps)
        let pooled: Tensor
        switch config.pooling {
        case .mean: pooled = meanPool.forward(normed, batch: rows, steps: steps)
        case .last: pooled = lastPool.forward(normed, batch: rows, steps: steps)
        }
        return head.forward(pooled, rows: rows)
    }

    public func backward(_ dlogits: Tensor, rows: Int) {
        let steps = shape.steps
        let dPooled = head.backward(dlogits, rows: rows)
        let dNormed: Tensor
        switch config.pooling {
        case .mean: dNormed = meanPool.backward(dPooled, batch: rows, steps: steps)
        case .last: dNormed = lastPool.backward(dPooled, batch: rows, steps: steps)
        }
        var dh = norm.backward(dNormed, rows: rows * steps)
        for block in blocks.reversed() { dh = block.backward(dh, batch: rows) }
        _ = embed.backward(dh, rows: rows * steps)
    }

    /// No randomness in training mode (no dropout in the spec).
    public func reseed(epoch: Int) {}
}
