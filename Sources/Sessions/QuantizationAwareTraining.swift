import Compression
import Foundation
import Graph
import Models
import TinyNN

/// The weights a precision plan stores as integers (or half floats), fake-quantized in place for
/// training: each is rounded exactly as `GraphQuantizer` will round it (symmetric, per channel or
/// per tensor, at the plan's bits; fp16 as half precision), so the network trains against the
/// weights the chip will hold. The gradient computed at the rounded weights is applied to the float
/// weights unchanged: with a max-|w| scale no weight is clipped, so the straight-through estimator
/// of round-to-nearest is the identity.
///
/// A graph weight is matched to the model parameter holding the same values (lowering copies a
/// layer's weight verbatim); a planned weight with no such parameter (one the lowering transforms)
/// is listed in `unmatched` and trains in float.
public final class FakeQuantizedWeights: WeightProjection {
    struct Entry {
        let parameter: Parameter
        let inFeatures: Int
        let outFeatures: Int
        let precision: PrecisionPlan.WeightPrecision
        let perTensor: Bool
    }

    private let entries: [Entry]
    private var masters: [[Float]] = []
    /// Graph weights the plan quantizes, by name, and those trained in float for want of a parameter.
    public let matched: [String]
    public let unmatched: [String]

    public init(model: ClassifierModel, graph: Graph, plan: PrecisionPlan) {
        let weights = Dictionary(uniqueKeysWithValues: graph.weights.map { ($0.name, $0) })
        var entries: [Entry] = [], matched: [String] = [], unmatched: [String] = []
        var taken = Set<ObjectIdentifier>()
        for op in graph.ops {
            let precision = plan.weights(of: op.name)
            guard precision != .float32 else { continue }
            for name in Self.plannedWeights(op.kind) {
                let weight = weights[name]!
                let parameter = model.parameters.first {
                    !taken.contains(ObjectIdentifier($0)) && $0.count == weight.values.count && $0.value.array == weight.values
                }
                guard let parameter, weight.shape.count == 2 else { unmatched.append(name); continue }
                taken.insert(ObjectIdentifier(parameter))
                entries.append(Entry(parameter: parameter, inFeatures: weight.shape[0], outFeatures: weight.shape[1], precision: precision,
                                     perTensor: plan.granularity(of: op.name) == .perTensor))
                matched.append(name)
            }
        }
        self.entries = entries
        self.matched = matched
        self.unmatched = unmatched
    }

    /// The weights the quantizer rounds with `SymmetricPerChannelWeights` (or keeps as an fp16 island).
    private static func plannedWeights(_ kind: OpKind) -> [String] {
        switch kind {
        case .fullyConnected(let w, _, _, _), .conv1d(let w, _, _, _, _), .causalDepthwiseConv(let w, _): return [w]
        case .lstm(let wx, let wh, _): return [wx, wh]
        default: return []
        }
    }

    public func project() {
        masters = entries.map { $0.parameter.value.array }
        for (entry, master) in zip(entries, masters) {
            _ = entry.parameter.value.buffer.update(fromContentsOf: Self.rounded(master, entry))
        }
    }

    public func restore() {
        for (entry, master) in zip(entries, masters) { _ = entry.parameter.value.buffer.update(fromContentsOf: master) }
        masters = []
    }

    static func rounded(_ weight: [Float], _ entry: Entry) -> [Float] {
        if let bits = entry.precision.bits {
            return SymmetricPerChannelWeights(weight: weight, inFeatures: entry.inFeatures, outFeatures: entry.outFeatures, bits: bits,
                                              perTensor: entry.perTensor).dequantized()
        }
        return weight.map { Float(Float16($0)) }
    }
}

/// How a quantization-aware fine-tune went: saved with its variant.
public struct QuantizationAwareTrainingSummary: Sendable, Codable, Equatable {
    public var epochs: Int
    public var bestEpoch: Int
    public var learningRate: Float
    /// The teacher session's folder, when the fine-tune distilled from one.
    public var distilledFrom: String?
    /// The plan's figures before fine-tuning (post-training quantization of the float model).
    public var beforeValidationMacroF1: Double
    public var beforeTestMacroF1: Double
    /// Planned weights trained in float because no parameter holds them as the graph does.
    public var untrainedWeights: [String]
}

/// Fine-tunes a trained session's model under a precision plan with fake-quantized weights, then
/// evaluates the plan on the fine-tuned weights. Resumable: every epoch is checkpointed (atomically)
/// to `variants/<name>.qat.ckpt`, and a rerun with the same session, plan and settings continues
/// from it; a checkpoint for other settings is refused, never overwritten.
public struct QuantizationAwareTraining {
    public var epochs: Int
    public var learningRate: Float
    public var patience: Int
    /// A finished session whose model teaches the fine-tune (soft targets beside the labels), as
    /// distillation does in training; it must have been trained on the same data, split and windows.
    public var distillFrom: SessionConfig.TeacherReference?

    public init(epochs: Int = 10, learningRate: Float = 1e-4, patience: Int = 5, distillFrom: SessionConfig.TeacherReference? = nil) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.patience = patience
        self.distillFrom = distillFrom
    }

    /// A trainer that fine-tunes `model` (at its trained weights) under `plan`: the session's recipe
    /// (batch, class balancing, augmentation) with this fine-tune's epochs, learning rate and patience.
    func fineTuner(_ model: ClassifierModel, graph: Graph, plan: PrecisionPlan, training: TrainingConfig, classes: Int,
                   windows: SplitWindows, seed: UInt64, distillation: Distillation? = nil) -> (Trainer, FakeQuantizedWeights) {
        let projection = FakeQuantizedWeights(model: model, graph: graph, plan: plan)
        var recipe = training
        recipe.epochs = epochs
        recipe.learningRate = learningRate
        recipe.patience = patience
        return (Trainer(model: model, config: recipe, classes: classes, train: windows.labelledTrain,
                        validation: windows.labelledValidation, seed: seed, distillation: distillation, projection: projection),
                projection)
    }

    public static func checkpointURL(_ session: Session, variant: String) -> URL {
        session.variantsFolder.appendingPathComponent("\(variant).qat.ckpt")
    }

    /// What the checkpoint's weights depend on: the session's weights, the plan, and the recipe.
    func digest(session: Session, plan: PrecisionPlan) -> String {
        struct Bound: Encodable {
            var session: String
            var teacher: SessionConfig.TeacherReference?
            var plan: PrecisionPlan
            var epochs: Int
            var learningRate: Float
            var patience: Int
        }
        return jsonDigest(Bound(session: session.config.digest, teacher: distillFrom, plan: plan, epochs: epochs,
                                learningRate: learningRate, patience: patience))
    }

    /// Runs (or resumes) the fine-tune of `before`'s model (at its trained weights, which it changes)
    /// and returns the variant, its `qat` summary filled in; the float figures stay those of the
    /// session's float model, so the report compares like with like.
    public func run(_ before: PlanEvaluator, plan: PrecisionPlan, name: String, control: TrainingControl? = nil,
                    onEpoch: (EpochRecord) -> Void = { _ in }) throws -> VariantReport {
        let trained = before.trained
        try plan.validate(for: before.graph)
        let ptq = try before.evaluate(plan, name: name)
        let config = trained.session.config
        let distillation = try distillFrom.map { reference -> Distillation in
            let shape = ModelShape(steps: trained.windows.train.length, features: trained.windows.train.features, classes: trained.rooms.count)
            let teacher = try LoadedTeacher.load(reference, for: config, shape: shape)
            return .frozen(teacher: teacher.model, train: trained.windows.labelledTrain, classes: trained.rooms.count,
                           augmented: config.training.augmentsInputs, temperature: reference.temperature, alpha: reference.alpha)
        }
        let (trainer, projection) = fineTuner(trained.model, graph: before.graph, plan: plan, training: config.training,
                                              classes: trained.rooms.count, windows: trained.windows, seed: config.seed,
                                              distillation: distillation)
        let url = Self.checkpointURL(trained.session, variant: name)
        let expected = digest(session: trained.session, plan: plan)
        if FileManager.default.fileExists(atPath: url.path) {
            let (state, found) = try CheckpointFile.readWithDigest(from: url)
            guard found == expected else {
                throw SessionError.mismatch("\(url.path) holds a fine-tune under another plan or settings: delete it to start over, "
                                            + "or choose another --name")
            }
            try trainer.restore(state)
        }
        while !trainer.isFinished {
            if control?.isStopped == true { break }
            guard let record = trainer.runEpoch(control: control) else { break }
            guard record.trainLoss.isFinite && record.validationLoss.isFinite else {
                throw SessionError.mismatch("quantization-aware training diverged in epoch \(record.epoch); \(url.path) keeps epoch "
                                            + "\(record.epoch - 1): lower --qat-learning-rate and run again to continue")
            }
            try CheckpointFile.write(trainer.state(), configDigest: expected, to: url)
            onEpoch(record)
        }
        trainer.restoreBest()
        // A new evaluator: the old one's graph and calibration hold the weights before fine-tuning.
        var report = try PlanEvaluator(trained).evaluate(plan, name: name)
        report.floatValidationMacroF1 = before.floatValidation
        report.floatTestMacroF1 = before.floatTest
        report.qat = QuantizationAwareTrainingSummary(epochs: trainer.epochsDone, bestEpoch: trainer.bestEpoch, learningRate: learningRate,
                                                      distilledFrom: distillFrom?.session, beforeValidationMacroF1: ptq.validation.macroF1,
                                                      beforeTestMacroF1: ptq.test.macroF1, untrainedWeights: projection.unmatched)
        return report
    }
}
