import Foundation
import XCTest

/// What the command line says about input it cannot use: where, what was expected, what was found;
/// and that it neither hangs nor mixes one experiment's settings into another's.
final class CLIReliabilityTests: XCTestCase {
    func testNegativeNumbersAreReadAsValuesAndRefusedWithTheReason() throws {
        let epochs = try Harness.run(["run", "--headless", "--epochs", "-3"])
        XCTAssertNotEqual(epochs.status, 0)
        XCTAssertTrue(epochs.stderr.contains("--epochs must be at least 1, got -3"), epochs.stderr)
        let minutes = try Harness.run(["cv", "--minutes", "-5"])
        XCTAssertTrue(minutes.stderr.contains("--minutes must be in (0, 1440], got -5.0"), minutes.stderr)
    }

    func testOptionsThatContradictAnExistingSessionAreRefusedByName() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let base = ["run", "--headless", "--sessions-dir", sessions.path, "--session", "s"]
        let first = try Harness.run(base + ["--recordings", "3", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let metrics = try Data(contentsOf: sessions.appendingPathComponent("s/metrics.jsonl"))

        let other = try Harness.run(base + ["--model", "cnn", "--epochs", "5", "--seed", "1"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("session s already exists with other settings: --model cnn (session: mlp), --epochs 5 (session: 1)"),
                      other.stderr)
        XCTAssertFalse(other.stderr.contains("--seed"), "--seed 1 agrees with the session: \(other.stderr)")
        XCTAssertEqual(try Data(contentsOf: sessions.appendingPathComponent("s/metrics.jsonl")), metrics, "nothing was trained")

        let same = try Harness.run(base + ["--epochs", "1"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stdout.contains("session s (resumed)"), same.stdout)
    }

    func testAHandEditedSessionFileIsRefusedNamingTheField() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let folder = sessions.appendingPathComponent("edited")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // What used to loop forever: a batch of 0 windows never advances through the epoch.
        try Data(#"{"name": "edited", "training": {"batchSize": 0}}"#.utf8).write(to: folder.appendingPathComponent("session.json"))
        let result = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "edited"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("edited/session.json: training.batchSize must be 1…4096, found 0"), result.stderr)
    }

    /// A session.json written by hand, with no checkpoints folder beside it, trains and saves.
    func testAHandWrittenSessionFileRuns() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let folder = sessions.appendingPathComponent("by-hand")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"name": "by-hand", "data": {"recordings": 3, "minutesPerRecording": 2}, "training": {"epochs": 1}}"#.utf8)
            .write(to: folder.appendingPathComponent("session.json"))
        let result = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "by-hand"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoints/last.ckpt").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.json").path))
    }

    func testAnAbsurdTimestampInARealFileIsReportedNotAllocated() throws {
        let data = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: data) }
        let rows = (0..<50).map { "\(Double($0) * 0.2),-60,\($0 < 25 ? "hall" : "kitchen")" } + ["1700000000,-60,kitchen"]
        try Data(("t,ap,room\n" + rows.joined(separator: "\n") + "\n").utf8).write(to: data.appendingPathComponent("r.csv"))
        let result = try Harness.run(["windows", "--data", data.appendingPathComponent("r.csv").path,
                                      "--columns", "time=t,receivers=ap,room=room", "--out", data.appendingPathComponent("w.csv").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("r.csv:52 column \"t\": time 1700000000 s is outside 0…86400 s"), result.stderr)
    }

    func testADamagedCrossValidationProgressFileNamesTheField() throws {
        let folder = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("cv.json")
        try Data(#"{"source": 3}"#.utf8).write(to: URL(fileURLWithPath: json.path + ".partial"))
        let result = try Harness.run(["cv", "--recordings", "3", "--minutes", "3", "--epochs", "1", "--json", json.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cv.json.partial is not a cross-validation's saved progress (source: expected String)"), result.stderr)
    }
}
