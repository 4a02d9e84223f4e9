import Foundation
import XCTest
@testable import Compression

final class IntegerMathTests: XCTestCase {
    func testSquareRootIsTheFloorOfTheRealRoot() {
        var rng = TestLCG(seed: 3)
        var cases: [Int64] = [0, 1, 2, 3, 4, 15, 16, 17, 1 << 40, (1 << 40) - 1, Int64(Int32.max), 999_999_999_999]
        for _ in 0..<2000 { cases.append(Int64(rng.next() >> 2)) }
        for n in cases {
            let r = IntegerMath.squareRoot(n)
            // r² ≤ n < (r + 1)², checked in 128-bit-safe arithmetic (r < 2^32 here).
            XCTAssertLessThanOrEqual(r.multipliedReportingOverflow(by: r).partialValue, n, "\(n)")
            let next = (r + 1).multipliedReportingOverflow(by: r + 1)
            XCTAssertTrue(next.overflow || next.partialValue > n, "\(n)")
        }
    }

    /// The table's linear interpolation between 2^(i/256) nodes errs by at most (ln 2/256)²/8
    /// relative (the curvature term) plus half a Q15 unit per rounding (node, interpolation, shift):
    /// well under 2^−14 relative + 2 units of Q16 absolute.
    func testExpMatchesTheRealExponential() {
        for x in stride(from: 0, through: -24 * 1024, by: -7) {
            let got = Double(IntegerMath.exp(q10: Int32(x))) / 65536
            let expected = Foundation.exp(Double(x) / 1024)
            XCTAssertEqual(got, expected, accuracy: expected * pow(2, -14) + 2 / 65536, "x = \(x)/1024")
        }
        XCTAssertEqual(IntegerMath.exp(q10: 0), 65536)
    }

    func testPowerOfTwoTableHoldsEveryNodeExactlyRounded() {
        for (i, v) in IntegerMath.powerOfTwoTable.enumerated() {
            XCTAssertEqual(Double(v), (32768 * pow(2, Double(i) / 256)).rounded(), "entry \(i)")
        }
    }
}
