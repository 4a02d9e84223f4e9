import XCTest
@testable import Sessions

/// The knapsack of the mixed-precision search against brute force on small random cases.
final class PrecisionSearchTests: XCTestCase {
    func testCheapestErrorPlanIsTheBruteForceOptimum() {
        var state: UInt64 = 12345
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        for _ in 0..<200 {
            let layers = 1 + next(5)
            let options = (0..<layers).map { _ in
                (0..<(1 + next(3))).map { _ in LayerOption(precision: .int8, flashBytes: 16 * (1 + next(20)), error: Double(next(100)) / 10) }
            }
            let budget = 16 * next(20 * layers + 10)
            // Every assignment, kept when it fits, least total error.
            var best: Double?
            func visit(_ l: Int, _ flash: Int, _ error: Double) {
                if l == layers {
                    if flash <= budget, best == nil || error < best! { best = error }
                    return
                }
                for o in options[l] { visit(l + 1, flash + o.flashBytes, error + o.error) }
            }
            visit(0, 0, 0)
            let choice = cheapestErrorPlan(options: options, flashBudget: budget)
            if let best {
                let picked = try? XCTUnwrap(choice)
                XCTAssertEqual(picked?.count, layers)
                let error = zip(options, picked ?? []).reduce(0.0) { $0 + $1.0[$1.1].error }
                let flash = zip(options, picked ?? []).reduce(0) { $0 + $1.0[$1.1].flashBytes }
                XCTAssertEqual(error, best, accuracy: 1e-9)
                XCTAssertLessThanOrEqual(flash, budget)
            } else {
                XCTAssertNil(choice, "no assignment fits \(budget) B, yet one was returned")
            }
        }
    }
}
