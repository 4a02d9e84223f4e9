import XCTest
import Models
@testable import Compression

final class SymmetricPerChannelWeightsTests: XCTestCase {
    func testHandMadeWeightGetsOneScalePerOutputChannel() {
        // Input-major [2][3]: channel 0 = (1, −2), channel 1 = (−0.5, 0.25), channel 2 = (0, 0).
        let layer = DenseLayerParameters(name: "hand", inFeatures: 2, outFeatures: 3,
                                         weight: [1, -0.5, 0, -2, 0.25, 0], bias: [0, 0, 0], activation: .none)
        let q = SymmetricPerChannelWeights(layer)
        XCTAssertEqual(q.scales[0], 2 / 127)
        XCTAssertEqual(q.scales[1], 0.5 / 127)
        XCTAssertEqual(q.scales[2], 1, "an all-zero channel keeps a harmless unit scale")
        // Output-major; 1 / (2/127) = 63.5 and 0.25 / (0.5/127) = 63.5 round away from zero.
        XCTAssertEqual(q.values, [64, -127, -127, 64, 0, 0])
        XCTAssertFalse(q.values.contains(-128))
    }

    func testDequantizedErrorIsAtMostHalfAStepPerChannel() {
        var rng = TestLCG(seed: 6)
        let (n, m) = (17, 5)
        let layer = DenseLayerParameters(name: "r", inFeatures: n, outFeatures: m,
                                         weight: (0..<n * m).map { _ in rng.uniform(-3, 3) }, bias: [Float](repeating: 0, count: m),
                                         activation: .none)
        let q = SymmetricPerChannelWeights(layer)
        for (index, (w, wq)) in zip(layer.weight, q.dequantized()).enumerated() {
            XCTAssertLessThanOrEqual(abs(w - wq), q.scales[index % m] * 0.5 * (1 + 1e-5))
        }
    }
}
