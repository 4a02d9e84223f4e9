import Foundation
import XCTest

/// `run` and `cv` take the training recipe from the command line: a value out of range is refused
/// naming it, a new session stores what was given, and a resumed session refuses a different one.
final class TrainingOptionsCLITests: XCTestCase {
    func testOutOfRangeRecipeValuesAreRefusedWithTheReason() throws {
        let cases: [([String], String)] = [
            (["cv", "--learning-rate", "0"], "--learning-rate must be in (0, 10], got 0.0"),
            (["cv", "--patience", "0"], "--patience must be at least 1, got 0"),
            (["run", "--headless", "--weight-decay", "-1"], "--weight-decay must be in [0, 10], got -1.0"),
            (["run", "--headless", "--batch-size", "0"], "--batch-size must be in 1…4096, got 0"),
            (["cv", "--keep-weights", "worst"], "--keep-weights must be best or last, got 'worst'"),
        ]
        for (arguments, expected) in cases {
            let result = try Harness.run(arguments)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }

    func testANewSessionStoresTheRecipeAndAResumedOneRefusesAnother() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let base = ["run", "--headless", "--sessions-dir", sessions.path, "--session", "recipe"]
        let first = try Harness.run(base + Harness.smallRun + ["--learning-rate", "0.002", "--patience", "3", "--weight-decay", "0.01",
                                                               "--batch-size", "32", "--no-balance-classes", "--keep-weights", "last"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent("recipe/session.json"))) as? [String: Any]
        let training = try XCTUnwrap(saved?["training"] as? [String: Any])
        XCTAssertEqual(training["learningRate"] as? Double ?? 0, 0.002, accuracy: 1e-9)
        XCTAssertEqual(training["patience"] as? Int, 3)
        XCTAssertEqual(training["weightDecay"] as? Double ?? 0, 0.01, accuracy: 1e-9)
        XCTAssertEqual(training["batchSize"] as? Int, 32)
        XCTAssertEqual(training["balanceClasses"] as? Bool, false)
        XCTAssertEqual(training["keptWeights"] as? String, "last")

        let other = try Harness.run(base + ["--balance-classes", "--learning-rate", "0.002"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("--balance-classes on (session: off)"), other.stderr)
        XCTAssertFalse(other.stderr.contains("--learning-rate"), "0.002 agrees with the session: \(other.stderr)")
    }
}
