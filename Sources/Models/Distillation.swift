import TinyNN
import TinyTensor

/// Where a distilled student's soft targets come from, and how much they weigh
/// (MODELS.md, "Distillation": L = α·T²·KL(teacher/T ‖ student/T) + (1 − α)·CE).
public struct Distillation {
    public enum Source {
        /// The frozen teacher's window logits for every training window, [count · C], computed once.
        case precomputed([Float])
        /// The teacher run on each (augmented) batch, when the inputs change from epoch to epoch.
        case live(ClassifierModel)
    }

    public var source: Source
    public var temperature: Float
    public var alpha: Float

    public init(source: Source, temperature: Float = 4, alpha: Float = 0.5) {
        self.source = source
        self.temperature = temperature
        self.alpha = alpha
    }

    /// Distillation from a frozen teacher: with un-augmented inputs its logits on the training
    /// windows never change, so they are computed here once instead of every epoch.
    public static func frozen(teacher: ClassifierModel, train: LabelledWindows, classes: Int, augmented: Bool,
                              temperature: Float = 4, alpha: Float = 0.5) -> Distillation {
        let source: Source = augmented ? .live(teacher) : .precomputed(predict(teacher, on: train, classes: classes).logits)
        return Distillation(source: source, temperature: temperature, alpha: alpha)
    }
}

/// The Trainer's distillation loss for one batch: gathers the teacher's logits for the batch's
/// windows (or runs the teacher on the batch) and applies `DistillationLoss`.
final class Distiller {
    let setup: Distillation
    let loss: DistillationLoss
    private let teacherLogits: Tensor

    init(_ setup: Distillation, classes: Int, batchSize: Int) {
        self.setup = setup
        loss = DistillationLoss(classes: classes, temperature: setup.temperature, alpha: setup.alpha)
        teacherLogits = Tensor([batchSize, classes])
    }

    func forward(_ logits: Tensor, inputs: Tensor, indices: ArraySlice<Int>, labels: [Int], rows: Int, classWeights: [Float]?) -> Float {
        let classes = loss.classes
        let targets: Tensor
        switch setup.source {
        case .precomputed(let all):
            all.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    (teacherLogits.data + row * classes).update(from: source.baseAddress! + index * classes, count: classes)
                }
            }
            targets = teacherLogits
        case .live(let teacher):
            targets = teacher.forward(inputs, rows: rows, training: false)
        }
        return loss.forward(logits, teacher: targets, labels: labels, rows: rows, classWeights: classWeights)
    }

    func backward(rows: Int) -> Tensor { loss.backward(rows: rows) }
}

/// Distillation as stored in a configuration: which teacher to train first, how many, T and α.
public struct DistillationConfig: Codable, Sendable, Equatable {
    public var teacher: ModelConfig
    public var temperature: Float = 4
    public var alpha: Float = 0.5
    /// How many teachers of that kind to train, each from its own seed; the student learns their
    /// softened outputs averaged (`TeacherEnsemble`). 1: one teacher.
    public var teachers: Int = 1

    public init(teacher: ModelConfig = ModelConfig(kind: .teacher), temperature: Float = 4, alpha: Float = 0.5, teachers: Int = 1) {
        self.teacher = teacher
        self.temperature = temperature
        self.alpha = alpha
        self.teachers = teachers
    }
}

/// A teacher trained for distillation, with how its training went. For an ensemble: the longest
/// member's epochs and best epoch, and the ensemble's own validation macro-F1.
public struct TrainedTeacher {
    public var distillation: Distillation
    public var teacher: ClassifierModel
    public var epochsTrained: Int
    public var bestEpoch: Int
    public var bestF1: Double
}

extension Distillation {
    /// Trains the configured teacher (or `spec.teachers` of them, the first from `seed`, the others
    /// from seeds derived from it) on the student's own training windows (early stopping on the
    /// same validation windows), freezes their best weights and returns the distillation from them;
    /// nil if `control` stopped the training.
    public static func trainingTeacher(_ spec: DistillationConfig, shape: ModelShape, training: TrainingConfig,
                                       train: LabelledWindows, validation: LabelledWindows, seed: UInt64,
                                       control: TrainingControl? = nil,
                                       onEpoch: (EpochRecord) -> Void = { _ in }) -> TrainedTeacher? {
        var members: [ClassifierModel] = [], epochsTrained = 0, bestEpoch = 0, bestF1 = 0.0
        for member in 0..<max(1, spec.teachers) {
            var seeds = SeededRNG(seed: seed).split(UInt64(member))
            let memberSeed = member == 0 ? seed : seeds.next()
            let teacher = spec.teacher.build(shape: shape, seed: memberSeed)
            let trainer = Trainer(model: teacher, config: training, classes: shape.classes, train: train, validation: validation, seed: memberSeed)
            while !trainer.isFinished {
                guard let record = trainer.runEpoch(control: control) else { return nil }
                onEpoch(record)
            }
            trainer.restoreBest()
            members.append(teacher)
            epochsTrained = max(epochsTrained, trainer.epochsDone)
            bestEpoch = max(bestEpoch, trainer.bestEpoch)
            bestF1 = trainer.bestF1
        }
        let teacher: ClassifierModel = members.count == 1 ? members[0] : TeacherEnsemble(members: members, temperature: spec.temperature)
        if members.count > 1 {
            let predictions = predict(teacher, on: validation, classes: shape.classes)
            bestF1 = ClassificationMetrics(predictions: predictions.predicted, labels: validation.labels, roomCount: shape.classes).macroF1
        }
        let distillation = frozen(teacher: teacher, train: train, classes: shape.classes, augmented: training.augmentsInputs,
                                  temperature: spec.temperature, alpha: spec.alpha)
        return TrainedTeacher(distillation: distillation, teacher: teacher, epochsTrained: epochsTrained,
                              bestEpoch: bestEpoch, bestF1: bestF1)
    }
}
