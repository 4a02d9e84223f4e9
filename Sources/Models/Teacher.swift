import Foundation
import TinyNN
import TinyTensor

/// The MDCSA-style teacher (multihead dual convolutional self-attention, after Jovan et al.,
/// KDD 2023), exactly as MODELS.md, on windows [B, T, F]:
///
///     per modality m (RSSI = the leading F − A features; accelerometer = the last A, if any):
///         e_m = Linear(F_m → d)(x_m)·√d + PE                                 [B, T, d]
///     per branch k ∈ kernels:
///         z_m = ModalityAttention_k(e_m)  (tanh causal-conv Q/K, V = e_m, residual + LN)
///         o_k = GRN(z_rssi, context z_accl)                                   [B, T, d]
///     u = interleave(o_1, o_4, o_7)                                           [B, 3T, d]
///     v = LayerNorm(Conv1d(d → d, kernel n, stride n)(attention(u, u, u)))    [B, T, d]
///     emissions = Linear(d → C)(dropout(v))                                   [B, T, C]
///     logits = emissions[:, T − 1]                                            [B, C]
///
/// With `crf` a linear-chain CRF over the emissions is trained on the per-step labels (NLL by the
/// forward algorithm) and decodes them (Viterbi); the window's room is the majority of the decoded
/// path. `logits` stay the last step's emissions (what a student distils from).
///
/// Without a CRF only the last step's emissions are ever used, so the fusion stage computes just
/// that step: its n tokens query the attention (over all n·T tokens), one conv output, one row
/// through LayerNorm and the head. Logits and gradients are those of the full network; the
/// branches, whose every step is a key and value of the fusion, still run in full.
public final class Teacher: SequenceLabeller {
    public let kind: ModelKind
    public let shape: ModelShape
    public let config: TeacherConfig
    public let rssiFeatures: Int
    public let accelerometerFeatures: Int
    public let embeddings: [Linear]
    public let positions: [SinusoidalPositionEncoding]
    /// branches[i].modalities[m] and the fusing GRN of branch i.
    public let branches: [(modalities: [ModalityAttention], grn: GatedResidualNetwork)]
    public let interleave: Interleave
    public let fuseAttention: ScaledDotProductAttention
    public let fuseConv: Conv1d
    public let fuseNorm: LayerNorm
    public let headDropout: Dropout
    public let head: Linear
    public let lastStep: LastStepPool
    public let crf: LinearChainCRF?
    private let seed: UInt64

    private var modalityInputs: [ActivationBuffer]
    private var embeddingGrads: [ActivationBuffer]
    private var tokensGrad: ActivationBuffer
    /// Per-step working lists, kept so that the step loop does not allocate them.
    private var embedded: [Tensor] = []
    private var embeddedGrads: [Tensor] = []
    private var branchOutputs: [Tensor] = []

    public init(kind: ModelKind = .teacher, shape: ModelShape, config: TeacherConfig = .teacher, seed: UInt64) {
        let accel = config.accelerometerFeatures < shape.features ? config.accelerometerFeatures : 0
        precondition(!config.kernels.isEmpty && config.width > 0)
        self.kind = kind
        self.shape = shape
        self.config = config
        self.seed = seed
        accelerometerFeatures = accel
        rssiFeatures = shape.features - accel
        let d = config.width
        let modalityWidths = accel > 0 ? [rssiFeatures, accel] : [rssiFeatures]
        let modalityNames = ["rssi", "accl"]
        var rng = SeededRNG(seed: seed)
        embeddings = modalityWidths.enumerated().map { m, features in
            Linear(name: "embed.\(modalityNames[m])", inFeatures: features, outFeatures: d, rng: &rng)
        }
        positions = modalityWidths.map { _ in SinusoidalPositionEncoding(width: d, scale: Float(d).squareRoot()) }
        var built: [(modalities: [ModalityAttention], grn: GatedResidualNetwork)] = []
        for k in config.kernels {
            let modalities = modalityWidths.indices.map { m in
                ModalityAttention(name: "branch\(k).\(modalityNames[m])", width: d, kernel: k,
                                  dropout: config.attentionDropout, rng: &rng)
            }
            let grn = GatedResidualNetwork(name: "branch\(k).grn", width: d, hidden: config.grnMultiplier * d,
                                           hasContext: accel > 0, rng: &rng)
            built.append((modalities, grn))
        }
        branches = built
        let n = config.kernels.count
        interleave = Interleave(branches: n, width: d)
        fuseAttention = ScaledDotProductAttention(width: d)
        fuseConv = Conv1d(name: "fuse.conv", inChannels: d, outChannels: d, kernel: n, stride: n, padding: 0, rng: &rng)
        fuseNorm = LayerNorm(name: "fuse.norm", width: d)
        headDropout = Dropout(width: d, probability: config.headDropout, rng: rng.split(1))
        head = Linear(name: "head", inFeatures: d, outFeatures: shape.classes, rng: &rng)
        lastStep = LastStepPool(width: shape.classes)
        crf = config.crf ? LinearChainCRF(name: "crf", classes: shape.classes, rng: &rng) : nil
        modalityInputs = modalityWidths.map { ActivationBuffer(rowWidth: $0) }
        embeddingGrads = modalityWidths.map { _ in ActivationBuffer(rowWidth: d) }
        tokensGrad = ActivationBuffer(rowWidth: d)
        reseed(epoch: 0)
    }

    public var parameters: [Parameter] {
        embeddings.flatMap(\.parameters)
            + branches.flatMap { branch in branch.modalities.flatMap(\.parameters) + branch.grn.parameters }
            + fuseConv.parameters + fuseNorm.parameters + head.parameters + (crf?.parameters ?? [])
    }

    /// The RSSI modality reads the leading features, the accelerometer's embedding the rest.
    public func zeroInputWeights(reading features: [Int]) {
        embeddings[0].weight.zeroRows(features.filter { $0 < rssiFeatures })
        if embeddings.count > 1 { embeddings[1].weight.zeroRows(features.filter { $0 >= rssiFeatures }.map { $0 - rssiFeatures }) }
    }

    /// Per-step emissions [B·T, C] of the last forward, with a CRF (what it decodes).
    public private(set) var emissions = Tensor([0])

    public func forward(_ x: Tensor, rows batch: Int, training: Bool) -> Tensor {
        let T = shape.steps, F = shape.features, d = config.width, rows = batch * T
        // Split each step's features into the modalities' contiguous inputs.
        var offset = 0
        embedded.removeAll(keepingCapacity: true)
        for m in embeddings.indices {
            let width = embeddings[m].inFeatures
            let xm = modalityInputs[m].reserve(rows: rows)
            for r in 0..<rows { (xm.data + r * width).update(from: x.data + r * F + offset, count: width) }
            offset += width
            embedded.append(positions[m].forward(embeddings[m].forward(xm, rows: rows), batch: batch, steps: T))
        }
        branchOutputs.removeAll(keepingCapacity: true)
        for branch in branches {
            let rssi = branch.modalities[0].forward(embedded[0], batch: batch, steps: T, training: training)
            let accl = branch.modalities.count > 1 ? branch.modalities[1].forward(embedded[1], batch: batch, steps: T, training: training) : nil
            branchOutputs.append(branch.grn.forward(rssi, context: accl, rows: rows))
        }
        let n = branches.count
        let tokens = interleave.forward(branchOutputs, batch: batch, steps: T)
        let outputSteps = crf == nil ? 1 : T, outputRows = batch * outputSteps
        let attended = fuseAttention.forward(query: tokens.data, key: tokens.data, value: tokens.data, rowStride: d,
                                             batch: batch, steps: n * T, queries: n * outputSteps, training: training)
        let fused = fuseNorm.forward(fuseConv.forward(attended, batch: batch, steps: n * outputSteps), rows: outputRows)
        let output = head.forward(headDropout.forward(fused, rows: outputRows, training: training), rows: outputRows)
        guard crf != nil else { return output }
        emissions = output
        return lastStep.forward(emissions, batch: batch, steps: T)
    }

    public func backward(_ dlogits: Tensor, rows batch: Int) {
        let T = shape.steps
        if crf == nil {
            backwardFromEmissions(dlogits, batch: batch, steps: T, outputSteps: 1)
        } else {
            backwardFromEmissions(lastStep.backward(dlogits, batch: batch, steps: T), batch: batch, steps: T, outputSteps: T)
        }
    }

    /// dEmissions [B·outputSteps, C] of the last `outputSteps` steps → every parameter's gradient.
    private func backwardFromEmissions(_ dEmissions: Tensor, batch: Int, steps T: Int, outputSteps: Int) {
        let d = config.width, rows = batch * T, n = branches.count, outputRows = batch * outputSteps
        let dFused = fuseNorm.backward(headDropout.backward(head.backward(dEmissions, rows: outputRows), rows: outputRows),
                                       rows: outputRows)
        let dAttended = fuseConv.backward(dFused, batch: batch, steps: n * outputSteps)
        // Q = K = V = tokens: the three gradients sum into one zeroed buffer.
        let dTokens = tokensGrad.reserve(rows: n * rows)
        dTokens.data.update(repeating: 0, count: n * rows * d)
        fuseAttention.backward(dAttended, dQuery: dTokens.data, dKey: dTokens.data, dValue: dTokens.data,
                               accumulate: true, batch: batch, steps: n * T)
        embeddedGrads.removeAll(keepingCapacity: true)
        for m in embeddings.indices {
            let t = embeddingGrads[m].reserve(rows: rows)
            t.data.update(repeating: 0, count: rows * d)
            embeddedGrads.append(t)
        }
        for (i, branch) in branches.enumerated() {
            let (dz, dContext) = branch.grn.backward(interleave.backward(dTokens, branch: i, batch: batch, steps: T), rows: rows)
            let dm = branch.modalities[0].backward(dz, batch: batch, steps: T)
            let rssiGrad = embeddedGrads[0].data
            let fromRSSI = dm.data
            parallelRanges(count: rows * d) { range in for j in range { rssiGrad[j] += fromRSSI[j] } }
            if let dContext {
                let da = branch.modalities[1].backward(dContext, batch: batch, steps: T)
                let acclGrad = embeddedGrads[1].data
                let fromAccl = da.data
                parallelRanges(count: rows * d) { range in for j in range { acclGrad[j] += fromAccl[j] } }
            }
        }
        for m in embeddings.indices {
            _ = embeddings[m].backward(positions[m].backward(embeddedGrads[m], batch: batch, steps: T), rows: rows)
        }
    }

    public var labelsSteps: Bool { crf != nil }

    /// CRF negative log-likelihood of per-step labels [B·T] for the last forward, and its backward
    /// through the whole network (sequence-labelling training). Requires `config.crf`.
    public func crfStep(tags: [Int], batch: Int) -> Float {
        guard let crf else { preconditionFailure("the teacher was built without a CRF") }
        let T = shape.steps
        let loss = crf.forward(emissions, tags: tags, batch: batch, steps: T)
        backwardFromEmissions(crf.backward(batch: batch, steps: T), batch: batch, steps: T, outputSteps: T)
        return loss
    }

    /// Viterbi labels per step [B·T] for the last forward (requires `config.crf`).
    public func decodeSteps(batch: Int) -> [Int] {
        guard let crf else { preconditionFailure("the teacher was built without a CRF") }
        return crf.decode(emissions, batch: batch, steps: shape.steps)
    }

    public func reseed(epoch: Int) {
        let base = SeededRNG(seed: seed).split(UInt64(1_000 + epoch))
        headDropout.rng = base.split(0)
        var stream: UInt64 = 1
        for branch in branches {
            for modality in branch.modalities {
                modality.attention.rng = base.split(stream)
                stream += 1
            }
        }
    }
}
