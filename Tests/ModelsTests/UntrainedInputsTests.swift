import TinyTensor
import XCTest
@testable import Models

/// A feature that is 0 in every training window (a receiver never heard in training) must not move
/// a trained model's output when it is heard at test time: training never touches the weights that
/// read it, and the trainer zeroes them.
final class UntrainedInputsTests: XCTestCase {
    private let shape = ModelShape(steps: 8, features: 5, classes: 3)
    /// Feature 1 is among the teacher's RSSI features and 3 among its accelerometer axes.
    private let silent = [1, 3]

    /// Three rooms told apart by features 0, 2 and 4; features 1 and 3 always 0.
    private func windows(count: Int, seed: UInt64) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        var x = [Float](), labels = [Int]()
        for i in 0..<count {
            labels.append(i % 3)
            for _ in 0..<shape.steps {
                for f in 0..<shape.features { x.append(silent.contains(f) ? 0 : Float(i % 3) * 0.5 + rng.normal()) }
            }
        }
        return LabelledWindows(x: x, labels: labels, steps: shape.steps, features: shape.features)
    }

    private func logits(_ model: ClassifierModel, _ x: [Float]) -> [Float] {
        model.forward(Tensor([1, shape.steps, shape.features], values: x), rows: 1, training: false).array
    }

    /// One test window, then the same window with `features` set to values training never had.
    private func probe(changing features: [Int]) -> (plain: [Float], changed: [Float]) {
        var rng = SeededRNG(seed: 77)
        let plain = (0..<(shape.steps * shape.features)).map { silent.contains($0 % shape.features) ? 0 : rng.normal() }
        var changed = plain
        for t in 0..<shape.steps { for f in features { changed[t * shape.features + f] = 1 + rng.uniform() } }
        return (plain, changed)
    }

    func testSilentFeaturesAreTheAllZeroColumns() {
        XCTAssertEqual(windows(count: 9, seed: 1).silentFeatures, silent)
        XCTAssertEqual(silentFeatures([0, 2, 0, 0, 0, -1], features: 3), [0])
    }

    func testEveryFamilyIgnoresAFeatureItNeverSawInTraining() {
        let (plain, heard) = probe(changing: silent)
        let (_, other) = probe(changing: [0])
        for kind in ModelKind.allCases where kind != .teacherPaper {
            var config = ModelConfig(kind: kind)
            if kind == .teacher { config.teacher = TeacherConfig(width: 8) }
            let model = config.build(shape: shape, seed: 3)
            XCTAssertNotEqual(logits(model, plain), logits(model, heard), "\(kind): untrained, the silent features do change the output")
            let trainer = Trainer(model: model, config: TrainingConfig(epochs: 1, batchSize: 8, patience: 10),
                                  classes: shape.classes, train: windows(count: 24, seed: 1), validation: windows(count: 9, seed: 2), seed: 4)
            _ = trainer.runEpoch()
            trainer.restoreBest()
            XCTAssertEqual(logits(model, plain), logits(model, heard), "\(kind): a receiver first heard at test time")
            XCTAssertNotEqual(logits(model, plain), logits(model, other), "\(kind): a feature seen in training still counts")
        }
    }

    func testTrainingAcrossWindowsIgnoresItToo() {
        let model = Mamba(shape: shape, config: MambaConfig(width: 8, stateSize: 4, expand: 2, convKernel: 2, blocks: 1, pooling: .last), seed: 5)
        let train = windows(count: 30, seed: 1)
        let stream = RecordingStream(steps: train.count * shape.steps, features: shape.features, x: train.x,
                                     readouts: (0..<train.count).map { .init(step: $0 * shape.steps + shape.steps - 1, window: $0, label: train.labels[$0]) })
        let (plain, heard) = probe(changing: silent)
        XCTAssertNotEqual(logits(model, plain), logits(model, heard))
        _ = AcrossWindowsTrainer(model: model, config: TrainingConfig(epochs: 1, batchSize: 8, patience: 10),
                                 acrossWindows: AcrossWindowsConfig(windowsPerSegment: 2, burnInWindows: 1), hop: shape.steps,
                                 classes: shape.classes, train: [stream], validation: [stream], seed: 1)
        XCTAssertEqual(logits(model, plain), logits(model, heard))
    }
}
