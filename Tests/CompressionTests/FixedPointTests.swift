import XCTest
@testable import Compression

final class FixedPointTests: XCTestCase {
    /// Independent of the nudge-and-truncate form: floor((a·b + 2^30) / 2^31) with an arithmetic shift.
    private func referenceHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == .min && b == .min { return .max }
        return Int32((Int64(a) * Int64(b) + (1 << 30)) >> 31)
    }

    /// x / 2^e is exact in Double (x has 32 bits), so Double's own rounding is the reference.
    private func referenceDivide(_ x: Int32, _ e: Int) -> Int32 {
        Int32((Double(x) / Double(sign: .plus, exponent: e, significand: 1)).rounded(.toNearestOrAwayFromZero))
    }

    func testHighMulMatchesReferenceIncludingTies() {
        var rng = TestLCG(seed: 1)
        var cases: [(Int32, Int32)] = [(.min, .min), (.max, .max), (.min, .max), (0, .max), (1 << 30, 1), (-(1 << 30), 1)]
        // a · b = ±2^30 · odd: exact half-way ties, positive and negative.
        for k in [1, 3, 5, 7, 1001] as [Int32] { cases += [(k, 1 << 30), (-k, 1 << 30), (k, -(1 << 30))] }
        for _ in 0..<5000 { cases.append((rng.int32(in: -(1 << 31)...(1 << 31) - 1), rng.int32(in: -(1 << 31)...(1 << 31) - 1))) }
        for (a, b) in cases {
            XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(a, b), referenceHighMul(a, b), "a=\(a) b=\(b)")
        }
        // Ties go toward +∞: 0.5 → 1, −0.5 → 0, −1.5 → −1.
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(1, 1 << 30), 1)
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(-1, 1 << 30), 0)
        XCTAssertEqual(FixedPoint.saturatingRoundingDoublingHighMul(-3, 1 << 30), -1)
    }

    func testRoundingDivideByPOTMatchesDoubleIncludingTies() {
        var rng = TestLCG(seed: 2)
        for e in 0...31 {
            var values: [Int32] = [0, 1, -1, .max, .min]
            if e > 0 {
                let half = Int64(1) << (e - 1)
                for k in [0, 1, 2, 5, 1000] as [Int64] where k << e + half <= Int64(Int32.max) {
                    values += [Int32((k << e) + half), Int32(-((k << e) + half))]
                }
            }
            for _ in 0..<200 { values.append(rng.int32(in: -(1 << 31)...(1 << 31) - 1)) }
            for x in values { XCTAssertEqual(FixedPoint.roundingDivideByPOT(x, e), referenceDivide(x, e), "x=\(x) e=\(e)") }
        }
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(5, 1), 3)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(-5, 1), -3)
        XCTAssertEqual(FixedPoint.roundingDivideByPOT(-6, 2), -2)
    }

    func testMultiplyAgainstDoubleAcrossManyTriples() {
        var rng = TestLCG(seed: 3)
        for _ in 0..<20000 {
            let significand = rng.int32(in: (1 << 30)...(1 << 31) - 1)
            let shift = Int(rng.next() % 22) - 20
            let x = rng.int32(in: -(1 << 24)...(1 << 24))
            let multiplier = QuantizedMultiplier(significand: significand, shift: shift)
            let got = FixedPoint.multiply(x, by: multiplier)
            XCTAssertEqual(got, referenceDivide(referenceHighMul(x &<< Int32(max(shift, 0)), significand), max(-shift, 0)))
            let exact = Double(x) * multiplier.realValue
            // Two roundings stay within one step of a single rounding of the exact product.
            XCTAssertLessThanOrEqual(abs(Double(got) - exact.rounded(.toNearestOrAwayFromZero)), 1, "x=\(x) m=\(significand) s=\(shift)")
            XCTAssertLessThanOrEqual(abs(Double(got) - exact), 1)
        }
    }

    func testMultiplyTiesRoundAwayFromZeroWhenTheHighMulIsExact() {
        // M = 0.5 · 2^−3 = 1/16: x = 8 + 16k sits exactly half-way.
        let sixteenth = QuantizedMultiplier(1.0 / 16)
        XCTAssertEqual(sixteenth, QuantizedMultiplier(significand: 1 << 30, shift: -3))
        for (x, expected) in [(8, 1), (-8, -1), (24, 2), (-24, -2), (9, 1), (-9, -1)] as [(Int32, Int32)] {
            XCTAssertEqual(FixedPoint.multiply(x, by: sixteenth), expected, "x=\(x)")
        }
        // The two roundings are not one: 7/16 = 0.4375, but 3.5 → 4 (tie up) then 4/8 = 0.5 → 1.
        // TFLite gives 1, so must we; −7 gives −3.5 → −3, then −0.375 → 0.
        XCTAssertEqual(FixedPoint.multiply(7, by: sixteenth), 1)
        XCTAssertEqual(FixedPoint.multiply(-7, by: sixteenth), 0)
    }

    func testQuantizedMultiplierDecomposition() {
        XCTAssertEqual(QuantizedMultiplier(0.5), QuantizedMultiplier(significand: 1 << 30, shift: 0))
        XCTAssertEqual(QuantizedMultiplier(1), QuantizedMultiplier(significand: 1 << 30, shift: 1))
        XCTAssertEqual(QuantizedMultiplier(0.75), QuantizedMultiplier(significand: 3 << 29, shift: 0))
        XCTAssertEqual(QuantizedMultiplier(0), QuantizedMultiplier(significand: 0, shift: 0))
        XCTAssertEqual(QuantizedMultiplier(0x1p-40), QuantizedMultiplier(significand: 0, shift: 0))
        // Rounds up to 2^31: halved, exponent bumped.
        XCTAssertEqual(QuantizedMultiplier(1 - 0x1p-40), QuantizedMultiplier(significand: 1 << 30, shift: 1))
        var rng = TestLCG(seed: 4)
        for _ in 0..<1000 {
            let m = Double(rng.uniform(0.001, 4))
            let q = QuantizedMultiplier(m)
            XCTAssertTrue((1 << 30)..<(Int64(1) << 31) ~= Int64(q.significand))
            XCTAssertEqual(q.realValue, m, accuracy: m * 0x1p-30)
        }
    }
}
