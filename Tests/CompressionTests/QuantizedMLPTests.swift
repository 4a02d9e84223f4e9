import XCTest
import Models
@testable import Compression

final class QuantizedMLPTests: XCTestCase {
    /// flatten(220) → 64 ReLU → 9, the shape of tinyloc's MLP, with seeded He-style weights.
    private func randomMLP(seed: UInt64, sizes: [Int] = [220, 64, 9]) -> [DenseLayerParameters] {
        var rng = TestLCG(seed: seed)
        return (0..<sizes.count - 1).map { k in
            let (n, m) = (sizes[k], sizes[k + 1])
            let bound = (6 / Float(n)).squareRoot()
            return DenseLayerParameters(
                name: "fc\(k)", inFeatures: n, outFeatures: m,
                weight: (0..<n * m).map { _ in rng.uniform(-bound, bound) },
                bias: (0..<m).map { _ in rng.uniform(-0.1, 0.1) },
                activation: k == sizes.count - 2 ? .none : .relu)
        }
    }

    private func rows(_ count: Int, width: Int, seed: UInt64) -> [Float] {
        var rng = TestLCG(seed: seed)
        return (0..<count * width).map { _ in rng.uniform(-1, 1) }
    }

    private func floatForward(_ layers: [DenseLayerParameters], _ x: [Float], batch: Int) -> [Float] {
        layers.reduce(x) { $1.forward($0, batch: batch) }
    }

    private func argmax(_ row: ArraySlice<Float>) -> Int { row.indices.max { row[$0] < row[$1] }! - row.startIndex }

    func testInt8LogitsTrackTheFloatReference() {
        let float = randomMLP(seed: 11)
        let model = QuantizedMLP(converting: float, calibration: rows(200, width: 220, seed: 12))
        let batch = 100
        let x = rows(batch, width: 220, seed: 13)
        let reference = floatForward(float, x, batch: batch)
        let logits = model.dequantizeOutput(model.forward(model.quantizeInput(x), batch: batch))
        let step = model.outputQuantization.scale
        var agree = 0
        for b in 0..<batch {
            let range = b * 9..<(b + 1) * 9
            for i in range { XCTAssertEqual(logits[i], reference[i], accuracy: 4 * step, "row \(b) logit \(i - b * 9)") }
            if argmax(logits[range]) == argmax(reference[range]) { agree += 1 }
        }
        XCTAssertGreaterThanOrEqual(agree, 90, "argmax agreement \(agree)/\(batch)")
    }

    func testDeeperChainsStayChainedAndClose() {
        let float = randomMLP(seed: 21, sizes: [12, 16, 16, 4])
        let calibration = rows(300, width: 12, seed: 22)
        let model = QuantizedMLP(converting: float, calibration: calibration)
        for (previous, next) in zip(model.layers, model.layers.dropFirst()) { XCTAssertEqual(previous.output, next.input) }
        XCTAssertEqual(model.layers.map(\.activationMin), [model.layers[0].output.zeroPoint, model.layers[1].output.zeroPoint, -128])
        let reference = floatForward(float, calibration, batch: 300)
        let logits = model.dequantizeOutput(model.forward(model.quantizeInput(calibration), batch: 300))
        XCTAssertGreaterThan(signalToQuantizationNoiseRatio(signal: reference, approximation: logits), 25)
    }

    func testForwardAllEndsWithForward() {
        let float = randomMLP(seed: 31, sizes: [6, 5, 3])
        let x = rows(10, width: 6, seed: 32)
        let model = QuantizedMLP(converting: float, calibration: x)
        let q = model.quantizeInput(x)
        XCTAssertEqual(model.forwardAll(q, batch: 10).last, model.forward(q, batch: 10))
        XCTAssertEqual(model.forwardAll(q, batch: 10).count, 2)
    }

    func testCalibrationRecordsPostActivationRanges() {
        let float = randomMLP(seed: 41, sizes: [8, 6, 3])
        let ranges = ActivationCalibration(layers: float, rows: rows(50, width: 8, seed: 42)).ranges
        XCTAssertEqual(ranges.count, 3)
        XCTAssertGreaterThanOrEqual(ranges[1].lowerBound, 0, "ReLU output range starts at 0")
        XCTAssertLessThan(ranges[2].lowerBound, 0, "the logits are not clamped")
    }
}
