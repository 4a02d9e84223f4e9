import TinyTensor
import XCTest
@testable import Models

/// Which weights training ends with: the test snapshots the model after every epoch itself and
/// checks `restoreBest` against the snapshot of the epoch the rule names.
final class KeptWeightsTests: XCTestCase {

    private func trainAndSnapshot(_ kept: TrainingConfig.KeptWeights) -> (trainer: Trainer, snapshots: [[[Float]]], f1: [Double]) {
        let model = MLP(shape: ModelShape(steps: 4, features: 2, classes: 3), config: .init(hidden: 6), seed: 5)
        let trainer = Trainer(model: model, config: TrainingConfig(epochs: 8, batchSize: 16, patience: 100, keptWeights: kept),
                              classes: 3, train: noisyRooms(count: 60, seed: 1), validation: noisyRooms(count: 30, seed: 2), seed: 9)
        var snapshots = [[[Float]]](), f1 = [Double]()
        while !trainer.isFinished {
            let record = trainer.runEpoch()!
            snapshots.append(model.parameters.map { $0.value.array })
            f1.append(record.validationF1)
        }
        return (trainer, snapshots, f1)
    }

    func testBestKeepsTheFirstEpochWithTheHighestValidationF1() throws {
        let (trainer, snapshots, f1) = trainAndSnapshot(.best)
        let best = f1.firstIndex(of: f1.max()!)!
        XCTAssertNotEqual(best, f1.count - 1, "the data must make the best epoch differ from the last: \(f1)")
        trainer.restoreBest()
        XCTAssertEqual(trainer.model.parameters.map { $0.value.array }, snapshots[best])
        XCTAssertEqual(trainer.bestEpoch, best + 1)
    }

    func testLastKeepsTheLastEpochAndStillReportsTheBest() throws {
        let (trainer, snapshots, f1) = trainAndSnapshot(.last)
        trainer.restoreBest()
        XCTAssertEqual(trainer.model.parameters.map { $0.value.array }, snapshots.last!)
        XCTAssertEqual(trainer.bestEpoch, f1.firstIndex(of: f1.max()!)! + 1)
        XCTAssertEqual(trainer.state().bestParameters, snapshots.last!, "the checkpoint keeps the same weights")
    }
}
