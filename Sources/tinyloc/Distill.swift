import ArgumentParser
import Foundation
import Localisation
import Models
import Sessions

/// `tinyloc distill`: trains a student from a trained teacher's soft targets on the teacher
/// session's own data and split, then compares both on the test recordings.
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Distil a student from a trained teacher: L = α·T²·KL(teacher/T ‖ student/T) + (1 − α)·CE.",
        discussion: """
            --teacher names a session (a folder under --sessions-dir, or a path) or its checkpoint file; the teacher's \
            best weights are frozen. Its window logits (last-step emissions) are computed once for the training set \
            unless receiver dropout augments the inputs, when the teacher runs on every batch.
            """
    )

    @Option(help: "Teacher: a session name, a session folder, or a checkpoint file (…/checkpoints/last.ckpt).")
    var teacher: String

    @Option(help: "Student kind: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var student = "student"

    @Option(help: "Distillation temperature T.")
    var temperature: Float = 4

    @Option(help: "Weight α of the soft (teacher) term; 1 − α weighs the labels.")
    var alpha: Float = 0.5

    @Option(help: "Maximum training epochs (default: the teacher session's).")
    var epochs: Int?

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    func validate() throws {
        guard ModelKind(rawValue: student) != nil else { throw ValidationError("unknown --student '\(student)'") }
        if !(temperature > 0) { throw ValidationError("--temperature must be positive") }
        if !(0...1).contains(alpha) { throw ValidationError("--alpha must be in [0, 1]") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    }

    /// The teacher session's folder and checkpoint file.
    func teacherFiles() throws -> (folder: URL, checkpoint: URL) {
        let given = URL(fileURLWithPath: teacher)
        if given.pathExtension == "ckpt" {
            return (given.deletingLastPathComponent().deletingLastPathComponent(), given)
        }
        var isFolder: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: given.path, isDirectory: &isFolder) && isFolder.boolValue
            ? given : URL(fileURLWithPath: sessionsDir).appendingPathComponent(teacher)
        return (folder, folder.appendingPathComponent("checkpoints/last.ckpt"))
    }

    func run() throws {
        let (folder, checkpoint) = try teacherFiles()
        let config = try JSONDecoder().decode(SessionConfig.self, from: Data(contentsOf: folder.appendingPathComponent("session.json")))
        let state = try CheckpointFile.read(from: checkpoint)
        let (dataset, _) = try config.data.load(seed: config.seed)
        let split = try config.resolvedSplit(recordings: dataset.recordings.map(\.name))
        let windows = SplitWindows(train: makeWindows(dataset: dataset, recordings: split.train, config: config.windowConfig),
                                   validation: makeWindows(dataset: dataset, recordings: split.validation, config: config.windowConfig),
                                   test: makeWindows(dataset: dataset, recordings: split.test, config: config.windowConfig),
                                   scaling: config.scaling ?? .fixed, receivers: dataset.receivers.count)
        let shape = ModelShape(steps: windows.train.length, features: windows.train.features, classes: dataset.rooms.count)

        let teacherModel = config.model.build(shape: shape, seed: config.seed)
        guard state.parameterNames == teacherModel.parameters.map(\.name) else {
            throw TrainerError.mismatchedState(expected: teacherModel.parameters.map(\.name), found: state.parameterNames)
        }
        for (p, values) in zip(teacherModel.parameters, state.bestParameters) { p.value.buffer.update(fromContentsOf: values) }

        var training = config.training
        if let epochs { training.epochs = epochs }
        let train = windows.labelledTrain, validation = windows.labelledValidation, test = windows.labelledTest
        let studentModel = ModelConfig(kind: ModelKind(rawValue: student)!).build(shape: shape, seed: config.seed)
        print("teacher \(config.model.kind.rawValue) (\(teacherModel.parameterCount) parameters, epoch \(state.bestEpoch)) → "
              + "student \(student) (\(studentModel.parameterCount) parameters) · T \(temperature) · α \(alpha)")
        let distillation = Distillation.frozen(teacher: teacherModel, train: train, classes: shape.classes,
                                               augmented: training.receiverDropout > 0, temperature: temperature, alpha: alpha)
        let trainer = Trainer(model: studentModel, config: training, classes: shape.classes, train: train,
                              validation: validation, seed: config.seed, distillation: distillation)
        while !trainer.isFinished {
            guard let record = trainer.runEpoch() else { break }
            print(String(format: "  epoch %3d  loss %.3f  train F1 %.3f  val F1 %.3f", record.epoch, record.trainLoss,
                         record.trainF1, record.validationF1))
        }
        trainer.restoreBest()
        for (name, model) in [("teacher", teacherModel), ("student", studentModel)] {
            let metrics = ClassificationMetrics(predictions: predict(model, on: test, classes: shape.classes).predicted,
                                                labels: test.labels, roomCount: shape.classes)
            print(String(format: "%@ test macro-F1 %.3f · accuracy %.3f", name, metrics.macroF1, metrics.accuracy))
        }
    }
}
