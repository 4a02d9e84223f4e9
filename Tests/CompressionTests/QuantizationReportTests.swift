import XCTest
import Models
@testable import Compression

final class QuantizationReportTests: XCTestCase {
    func testSQNRFormula() {
        // Σ x² = 2, Σ e² = 0.02 → 10 · log10(100) = 20 dB.
        XCTAssertEqual(signalToQuantizationNoiseRatio(signal: [1, 1], approximation: [1.1, 0.9]), 20, accuracy: 1e-5)
        XCTAssertEqual(signalToQuantizationNoiseRatio(signal: [0.5, -2], approximation: [0.5, -2]), .infinity)
        XCTAssertEqual(signalToQuantizationNoiseRatio(signal: [0, 0], approximation: [0, 1]), -.infinity)
    }

    func testExactlyRepresentableWeightHasInfiniteSQNR() {
        // Multiples of 2^−7 with a max-abs of 127 · 2^−7 in every channel: scale = 2^−7 exactly.
        let grid: [Float] = [127, -3, 0, 127, -127, 5].map { $0 / 128 }
        let layer = DenseLayerParameters(name: "exact", inFeatures: 3, outFeatures: 2, weight: grid, bias: [0, 0], activation: .none)
        let x: [Float] = [0.1, -0.4, 0.9, 1, 0, -1]
        let model = QuantizedMLP(converting: [layer], calibration: x)
        let report = model.quantizationReport(float: [layer], inputs: x)
        XCTAssertEqual(report[0].weightSQNR, .infinity)
        XCTAssertEqual(report[0].weightErrorHistogram.counts[8], 6, "all errors are exactly 0 → the bin starting at 0")
    }

    func testReportCountsEveryValueInStepsOfDelta() {
        var rng = TestLCG(seed: 51)
        let sizes = [10, 8, 4]
        let float = (0..<2).map { k in
            DenseLayerParameters(name: "fc\(k)", inFeatures: sizes[k], outFeatures: sizes[k + 1],
                                 weight: (0..<sizes[k] * sizes[k + 1]).map { _ in rng.uniform(-0.7, 0.7) },
                                 bias: (0..<sizes[k + 1]).map { _ in rng.uniform(-0.1, 0.1) },
                                 activation: k == 0 ? .relu : .none)
        }
        let x = (0..<40 * 10).map { _ in rng.uniform(-1, 1) }
        let model = QuantizedMLP(converting: float, calibration: x)
        let report = model.quantizationReport(float: float, inputs: x, binCount: 8, rangeInSteps: 2)
        XCTAssertEqual(report.map(\.name), ["fc0", "fc1"])
        for (k, layer) in report.enumerated() {
            let weights = layer.weightErrorHistogram
            XCTAssertEqual(weights.total, sizes[k] * sizes[k + 1])
            XCTAssertEqual(weights.below + weights.above, 0)
            // ±½Δ lies in the middle four of eight ½Δ-wide bins (plus the edge at exactly +½Δ).
            XCTAssertEqual(weights.counts[0] + weights.counts[1] + weights.counts[6] + weights.counts[7], 0)
            XCTAssertEqual(layer.activationErrorHistogram.total, 40 * sizes[k + 1])
            XCTAssertGreaterThan(layer.weightSQNR, 30)
            XCTAssertGreaterThan(layer.activationSQNR, 20)
            XCTAssertTrue(layer.activationSQNR.isFinite)
        }
    }

    func testHistogramBinsAndOutliers() {
        var h = Histogram(lowerBound: -2, upperBound: 2, binCount: 4)
        for v in [-3, -2, -1.5, -0.0001, 0, 1.99, 2, 2.5] { h.add(v) }
        XCTAssertEqual(h.counts, [2, 1, 1, 2])
        XCTAssertEqual(h.below, 1)
        XCTAssertEqual(h.above, 1)
        XCTAssertEqual(h.total, 8)
        XCTAssertEqual(h.binWidth, 1)
    }
}
