import XCTest
@testable import Compression

final class AffineQuantizationTests: XCTestCase {
    func testRangeIsWidenedToIncludeZero() {
        let positive = AffineQuantization(min: 0.5, max: 2.55)
        XCTAssertEqual(positive.zeroPoint, -128)
        XCTAssertEqual(positive.scale, 2.55 / 255, accuracy: 1e-9)
        let negative = AffineQuantization(min: -2.55, max: -1)
        XCTAssertEqual(negative.zeroPoint, 127)
    }

    func testDeadRangeGetsAUsableUnitScale() {
        XCTAssertEqual(AffineQuantization(min: 0, max: 0), AffineQuantization(scale: 1, zeroPoint: 0))
    }

    func testReluRangeUsesTheWholeGridAboveZero() {
        let q = AffineQuantization(min: 0, max: 6)
        XCTAssertEqual(q.zeroPoint, -128)
        XCTAssertEqual(q.quantize(6), 127)
        XCTAssertEqual(q.quantize(0), -128)
    }

    func testZeroIsExactAndValuesRoundTripWithinHalfAStep() {
        var rng = TestLCG(seed: 5)
        for _ in 0..<50 {
            let low = rng.uniform(-5, 1), high = low + rng.uniform(0.01, 8)
            let q = AffineQuantization(min: low, max: high)
            XCTAssertEqual(q.dequantize(q.quantize(0)), 0)
            for _ in 0..<50 {
                let x = rng.uniform(min(low, 0), max(high, 0))
                XCTAssertLessThanOrEqual(abs(q.dequantize(q.quantize(x)) - x), q.scale * 0.5 + 1e-5, "x=\(x) in \(low)…\(high)")
            }
        }
    }

    func testSymmetricRangePicksZeroPointByTheSmallerError() {
        // zero point from min = −128 + 127.5, from max = 127 − 127.5 (both −0.5); the max side
        // has the smaller error, and −0.5 rounds away from zero.
        let q = AffineQuantization(min: -1, max: 1)
        XCTAssertEqual(q.zeroPoint, -1)
        XCTAssertEqual(q.scale, 2 / 255, accuracy: 1e-9)
    }

    func testQuantizeSaturatesAndRoundsTiesAwayFromZero() {
        let q = AffineQuantization(scale: 0.5, zeroPoint: 0)
        XCTAssertEqual(q.quantize(1000), 127)
        XCTAssertEqual(q.quantize(-1000), -128)
        XCTAssertEqual(q.quantize(.infinity), 127)
        XCTAssertEqual(q.quantize(0.25), 1)
        XCTAssertEqual(q.quantize(-0.25), -1)
    }
}
