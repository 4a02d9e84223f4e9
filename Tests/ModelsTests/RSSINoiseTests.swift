import TinyTensor
import XCTest
@testable import Models

/// RSSI noise as augmentation: the statistics of what it adds are checked against the asked σ on a
/// large batch, everything that is not a heard RSSI reading is compared bit for bit, and σ = 0 must
/// train exactly as windows that cannot be perturbed at all.
final class RSSINoiseTests: XCTestCase {
    private let receivers = 3, steps = 10
    private var features: Int { 2 * receivers + 3 }
    /// A different dB scale per receiver, as a min/max scaler makes them.
    private let perDB: [Float] = [1 / 60, 1 / 30, 1 / 120]

    /// Windows laid out as the sessions make them: RSSI r at r, heard-rate at R + r, then the
    /// accelerometer. About a third of the readings are silent (0 in RSSI and heard-rate).
    private func windows(count: Int, seed: UInt64, withScale: Bool = true) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        var x = [Float](), labels = [Int]()
        for i in 0..<count {
            let room = i % 3
            labels.append(room)
            for _ in 0..<steps {
                var step = [Float](repeating: 0, count: features)
                for r in 0..<receivers where rng.uniform() > 0.35 {
                    step[r] = 0.5 + 0.2 * Float(r == room ? 1 : -1) + 0.05 * rng.normal()
                    step[receivers + r] = 0.2 + 0.8 * rng.uniform()
                }
                for a in 0..<3 { step[2 * receivers + a] = rng.normal() }
                x += step
            }
        }
        return LabelledWindows(x: x, labels: labels, steps: steps, features: features,
                               receiverFeatures: (0..<receivers).map { [$0, receivers + $0] }, rssiPerDB: withScale ? perDB : [])
    }

    func testNoiseHasTheAskedSpreadOnHeardRSSIOnly() {
        let data = windows(count: 2000, seed: 1)
        let rows = 1990, sigma: Float = 4
        let batch = Tensor([data.count, steps, features])
        data.gather(Array(0..<data.count)[...], into: batch)
        var rng = SeededRNG(seed: 7)
        data.perturbRSSI(in: batch, rows: rows, sigmaDB: sigma, rng: &rng)
        let after = batch.array

        var addedDB = [[Double]](repeating: [], count: receivers)
        for i in 0..<data.x.count {
            let feature = i % features, row = i / (steps * features)
            if feature < receivers && data.x[i] != 0 && row < rows {
                addedDB[feature].append(Double((after[i] - data.x[i]) / perDB[feature]))
            } else {
                XCTAssertEqual(after[i].bitPattern, data.x[i].bitPattern, "feature \(feature) of row \(row) must be left as it was")
            }
        }
        for (r, added) in addedDB.enumerated() {
            let n = Double(added.count)
            XCTAssertGreaterThan(n, 10_000, "receiver \(r) must be heard often enough to measure")
            let mean = added.reduce(0, +) / n
            let std = (added.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
            // Mean of n draws of N(0, σ²): standard error σ/√n, allow 4 of them. The sample std of
            // n normal draws has standard error σ/√(2n) (< 0.025 dB here); allow 0.1 dB.
            XCTAssertEqual(mean, 0, accuracy: 4 * Double(sigma) / n.squareRoot(), "receiver \(r)")
            XCTAssertEqual(std, Double(sigma), accuracy: 0.1, "receiver \(r)")
        }
    }

    func testZeroNoiseDrawsNothing() {
        let data = windows(count: 20, seed: 2)
        let batch = Tensor([data.count, steps, features])
        data.gather(Array(0..<data.count)[...], into: batch)
        var rng = SeededRNG(seed: 3), untouched = SeededRNG(seed: 3)
        data.perturbRSSI(in: batch, rows: data.count, sigmaDB: 0, rng: &rng)
        XCTAssertEqual(batch.array, data.x)
        XCTAssertEqual(rng.next(), untouched.next(), "σ = 0 must leave the random stream where it was")
    }

    private func train(_ config: TrainingConfig, withScale: Bool) -> (weights: [[Float]], records: [EpochRecord], model: ClassifierModel) {
        let model = MLP(shape: ModelShape(steps: steps, features: features, classes: 3), config: .init(hidden: 8), seed: 5)
        let trainer = Trainer(model: model, config: config, classes: 3, train: windows(count: 90, seed: 4, withScale: withScale),
                              validation: windows(count: 45, seed: 6, withScale: withScale), seed: 9)
        var records = [EpochRecord]()
        while !trainer.isFinished { records.append(trainer.runEpoch()!) }
        return (model.parameters.map { $0.value.array }, records, model)
    }

    func testZeroNoiseTrainsBitForBitAsWindowsThatCannotBePerturbed() {
        // Receiver dropout on, so a stray draw from the shared augmentation stream would show.
        let base = TrainingConfig(epochs: 3, batchSize: 16, patience: 100, receiverDropout: 0.3, keptWeights: .last)
        var zero = base
        zero.rssiNoiseDB = 0
        let today = train(base, withScale: false), withZero = train(zero, withScale: true)
        XCTAssertEqual(withZero.weights, today.weights)
        XCTAssertEqual(withZero.records.map(\.trainLoss), today.records.map(\.trainLoss))

        var noisy = base
        noisy.rssiNoiseDB = 6
        XCTAssertNotEqual(train(noisy, withScale: true).weights, today.weights, "noise must change training")
    }

    func testValidationIsScoredOnCleanWindows() {
        let noisy = train(TrainingConfig(epochs: 2, batchSize: 16, patience: 100, rssiNoiseDB: 30, keptWeights: .last), withScale: true)
        let clean = predict(noisy.model, on: windows(count: 45, seed: 6), classes: 3)
        XCTAssertEqual(noisy.records.last!.validationLoss, clean.loss)
    }
}
