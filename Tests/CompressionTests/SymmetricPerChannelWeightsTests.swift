import XCTest
@testable import Compression

final class SymmetricPerChannelWeightsTests: XCTestCase {
    func testHandMadeWeightGetsOneScalePerOutputChannel() {
        // Input-major [2][3]: channel 0 = (1, −2), channel 1 = (−0.5, 0.25), channel 2 = (0, 0).
        let q = SymmetricPerChannelWeights(weight: [1, -0.5, 0, -2, 0.25, 0], inFeatures: 2, outFeatures: 3)
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
        let weight = (0..<n * m).map { _ in rng.uniform(-3, 3) }
        for bits in [4, 8, 16] {
            let q = SymmetricPerChannelWeights(weight: weight, inFeatures: n, outFeatures: m, bits: bits)
            XCTAssertEqual(q.qmax, Int32((1 << (bits - 1)) - 1))
            for (index, (w, wq)) in zip(weight, q.dequantized()).enumerated() {
                XCTAssertLessThanOrEqual(abs(w - wq), q.scales[index % m] * 0.5 * (1 + 1e-5))
            }
        }
    }
}
