import TinyNN
import TinyTensor
import XCTest
@testable import Models

final class MLPTests: XCTestCase {
    private let shape = ModelShape(steps: 20, features: 11, classes: 9)

    func testParameterCountMatchesHandComputation() {
        let mlp = MLP(shape: shape, seed: 1)
        // fc1: 220·64 weights + 64 biases; fc2: 64·9 + 9.
        XCTAssertEqual(mlp.parameterCount, 220 * 64 + 64 + 64 * 9 + 9)
        XCTAssertEqual(mlp.parameterCount, 14_729)
    }

    func testWholeModelGradientAgainstFiniteDifferences() {
        let small = ModelShape(steps: 3, features: 2, classes: 4)
        let mlp = MLP(shape: small, config: .init(hidden: 5), seed: 3)
        let rows = 6
        let x = Tensor([rows, 3, 2])
        // Finite differences are only the derivative away from ReLU's kink: draw inputs until every
        // hidden pre-activation is further from 0 than a probe step (h·|x| ≤ 0.01·3) can move it.
        var seed: UInt64 = 4
        repeat {
            var rng = SeededRNG(seed: seed)
            for i in 0..<x.count { x[i] = max(-3, min(3, rng.normal())) }
            seed += 1
        } while mlp.fc1.forward(x, rows: rows).array.contains { abs($0) < 0.05 }
        let labels = [0, 1, 2, 3, 1, 2]
        let loss = SoftmaxCrossEntropy(classes: 4)
        for p in mlp.parameters { p.grad.zero() }
        _ = loss.forward(mlp.forward(x, rows: rows, training: true), labels: labels, rows: rows)
        mlp.backward(loss.backward(rows: rows), rows: rows)
        for p in mlp.parameters {
            let result = GradientCheck.compare(values: p.value, analytic: p.grad) {
                Double(loss.forward(mlp.forward(x, rows: rows, training: true), labels: labels, rows: rows))
            }
            XCTAssertLessThan(result.maxRelativeError, 5e-3, "\(p.name): \(result)")
        }
    }

    private func blobs(count: Int, seed: UInt64) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        var x = [Float](), labels = [Int]()
        for i in 0..<count {
            let label = i % 3
            labels.append(label)
            for f in 0..<8 { x.append((f % 3 == label ? 1.5 : 0) + rng.normal() * 0.6) }
        }
        return LabelledWindows(x: x, labels: labels, steps: 2, features: 4)
    }

    func testTrainingLearnsAndIsDeterministic() {
        func run() -> (Trainer, [EpochRecord]) {
            let model = MLP(shape: ModelShape(steps: 2, features: 4, classes: 3), config: .init(hidden: 16, dropout: 0.1), seed: 2)
            let trainer = Trainer(model: model, config: TrainingConfig(epochs: 15, batchSize: 32, learningRate: 1e-2, patience: 15),
                                  classes: 3, train: blobs(count: 300, seed: 1), validation: blobs(count: 90, seed: 2), seed: 3)
            var records = [EpochRecord]()
            while !trainer.isFinished { records.append(trainer.runEpoch()!) }
            return (trainer, records)
        }
        let (first, records) = run()
        let (second, again) = run()
        XCTAssertGreaterThan(records.last!.validationF1, 0.9, "should separate three well-apart blobs")
        XCTAssertLessThan(records.last!.trainLoss, records.first!.trainLoss)
        XCTAssertEqual(records.map(\.trainLoss), again.map(\.trainLoss), "same seed must give the same run")
        XCTAssertEqual(first.state().parameters, second.state().parameters)
    }

    func testEarlyStoppingKeepsTheBestEpoch() {
        let model = MLP(shape: ModelShape(steps: 2, features: 4, classes: 3), config: .init(hidden: 4), seed: 2)
        let trainer = Trainer(model: model, config: TrainingConfig(epochs: 100, batchSize: 32, learningRate: 1e-2, patience: 3),
                              classes: 3, train: blobs(count: 60, seed: 1), validation: blobs(count: 30, seed: 2), seed: 3)
        var records = [EpochRecord]()
        while !trainer.isFinished { records.append(trainer.runEpoch()!) }
        XCTAssertLessThan(records.count, 100)
        let best = records.max { $0.validationF1 < $1.validationF1 }!
        XCTAssertEqual(trainer.bestF1, best.validationF1)
        XCTAssertEqual(records.count - trainer.bestEpoch, 3, "stops exactly `patience` epochs after the best")
        trainer.restoreBest()
        let f1 = ClassificationMetricsProbe.macroF1(trainer: trainer, data: blobs(count: 30, seed: 2))
        XCTAssertEqual(f1, trainer.bestF1, accuracy: 1e-12)
    }
}

import Localisation
enum ClassificationMetricsProbe {
    static func macroF1(trainer: Trainer, data: LabelledWindows) -> Double {
        let p = predict(trainer.model, on: data, classes: trainer.classes)
        return ClassificationMetrics(predictions: p.predicted, labels: data.labels, roomCount: trainer.classes).macroF1
    }
}
