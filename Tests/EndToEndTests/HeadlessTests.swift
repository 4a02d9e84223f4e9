import Foundation
import XCTest

final class HeadlessTests: XCTestCase {
    func testHeadlessRunWritesReportAndResumes() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let arguments = ["run", "--headless", "--sessions-dir", sessions.path, "--session", "e2e"] + Harness.smallRun
        let first = try Harness.run(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("session e2e (new)"), first.stdout)
        XCTAssertTrue(first.stdout.contains("float macro-F1"), first.stdout)
        XCTAssertTrue(first.stdout.contains("int8 macro-F1"), first.stdout)
        XCTAssertTrue(first.stdout.contains("◀ peak"), first.stdout)

        let reportURL = sessions.appendingPathComponent("e2e/report.json")
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: reportURL)) as? [String: Any])
        let float = try XCTUnwrap(report["testFloat"] as? [String: Any])
        let int8 = try XCTUnwrap(report["testInt8"] as? [String: Any])
        let floatF1 = try XCTUnwrap(float["macroF1"] as? Double), int8F1 = try XCTUnwrap(int8["macroF1"] as? Double)
        XCTAssertTrue((0...1).contains(floatF1) && (0...1).contains(int8F1))
        let memory = try XCTUnwrap(report["memory"] as? [String: Any])
        let integer = try XCTUnwrap(memory["integer"] as? [String: Any])
        // By hand: input 220 → 224 B [0,0]; fc1 out 64 B [0,1] at 224; fc2 out 9 → 16 B [1,1] over the input.
        XCTAssertEqual(integer["arenaBytes"] as? Int, 288, "MLP int8 arena for a flat 220-value window")
        XCTAssertEqual(try XCTUnwrap(report["quantization"] as? [Any]).count, 2)
        // The parameter count is printed when the model is built, before training starts.
        let parameters = try XCTUnwrap(report["parameters"] as? Int)
        let built = try XCTUnwrap(first.stdout.range(of: "  model mlp · \(parameters) parameters\n"), first.stdout)
        XCTAssertLessThan(built.lowerBound, try XCTUnwrap(first.stdout.range(of: "· training")).lowerBound)
        let epochLines = try String(contentsOf: sessions.appendingPathComponent("e2e/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("\"event\":\"epoch\"") }
        XCTAssertEqual(epochLines.count, 2)

        // Running the finished session again resumes it: no epoch is trained twice.
        let second = try Harness.run(arguments)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("session e2e (resumed)"), second.stdout)
        XCTAssertFalse(second.stdout.contains("epoch   1"), second.stdout)
    }

    /// `tinyloc distill` makes the student an ordinary session on the teacher session's data and
    /// split; a receiver dropout other than the teacher's gets its own session, not the plain one.
    func testDistillFromATeacherSessionWithAndWithoutReceiverDropout() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let teacher = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "t", "--model", "cnn",
                                       "--recordings", "3", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(teacher.status, 0, teacher.stderr)

        let plain = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--student", "student-tiny"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdout.contains("session t-distil-student-tiny (new)"), plain.stdout)
        XCTAssertTrue(plain.stdout.contains("distilling from cnn session t"), plain.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sessions.appendingPathComponent("t-distil-student-tiny/report.json").path))

        // The student session exists now: options that contradict it are refused, naming each.
        let other = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--student", "mlp",
                                     "--session", "t-distil-student-tiny", "--temperature", "2"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("--student mlp (session: student-tiny)"), other.stderr)
        XCTAssertTrue(other.stderr.contains("--temperature 2.0 (session: 4.0)"), other.stderr)

        let dropped = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--student", "student-tiny",
                                       "--receiver-dropout", "0.3"])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertTrue(dropped.stdout.contains("session t-distil-student-tiny-rd0.3 (new)"), dropped.stdout)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sessions
            .appendingPathComponent("t-distil-student-tiny-rd0.3/session.json"))) as? [String: Any])
        let training = try XCTUnwrap(config["training"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(training["receiverDropout"] as? Double), 0.3, accuracy: 1e-6)
        XCTAssertNotNil(config["teacher"])

        let bad = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--receiver-dropout", "1.2"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--receiver-dropout must be in [0, 0.9], got 1.2"), bad.stderr)
        let unknown = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--student", "nope"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown --student 'nope'; choose one of mlp"), unknown.stderr)
        let missing = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "nobody"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no teacher session at"), missing.stderr)

        // Several teachers: the student learns their averaged outputs and says so.
        let second = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "t2", "--model", "mlp",
                                      "--recordings", "3", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let both = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--teacher", "t2",
                                    "--student", "student-tiny"])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertTrue(both.stdout.contains("session t-distil-student-tiny-2teachers (new)"), both.stdout)
        XCTAssertTrue(both.stdout.contains("distilling from cnn session t + 1 more, outputs averaged"), both.stdout)
        let elsewhere = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "t3", "--model", "mlp",
                                         "--recordings", "4", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(elsewhere.status, 0, elsewhere.stderr)
        let mixed = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--teacher", "t3"])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.stderr.contains("teacher session t3 was trained on other data"), mixed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sessions.appendingPathComponent("t-distil-student-2teachers/checkpoints/last.ckpt").path))
    }

    func testBadArgumentsAreRefusedWithTheReason() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let cases: [([String], String)] = [
            (["--session", "../escape"], "invalid session name"),
            (["--recordings", "2"], "--recordings must be at least 3"),
            (["--epochs", "0"], "--epochs must be at least 1"),
            (["--mcu", "Z80"], "unknown --mcu 'Z80'"),
        ]
        for (extra, message) in cases {
            let result = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path] + extra)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertTrue(result.stderr.contains(message), "\(extra): \(result.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sessions.path), [], "nothing half-created")
    }

    func testCorruptCheckpointIsReportedNotOverwritten() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let arguments = ["run", "--headless", "--sessions-dir", sessions.path, "--session", "c"] + Harness.smallRun
        XCTAssertEqual(try Harness.run(arguments).status, 0)
        let checkpoint = sessions.appendingPathComponent("c/checkpoints/last.ckpt")
        var bytes = try Data(contentsOf: checkpoint)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: checkpoint)
        let result = try Harness.run(arguments)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("last.ckpt is corrupt"), result.stderr)
        XCTAssertEqual(try Data(contentsOf: checkpoint), bytes, "the damaged file is left for the user to inspect")
    }

    func testNoTerminalPointsToHeadless() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let result = try Harness.run(["--recordings", "3", "--sessions-dir", sessions.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("tinyloc run --headless"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sessions.path), [], "refused before any session is made")
    }
}

final class CompressCLITests: XCTestCase {
    /// A small trained session, a preset, a hand-written plan, and a plan naming a layer the model lacks.
    func testCompressEvaluatesPlansAndRefusesABadOne() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let trained = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "c", "--model", "mlp"] + Harness.smallRun)
        XCTAssertEqual(trained.status, 0, trained.stderr)

        let int4 = try Harness.run(["compress", "--sessions-dir", sessions.path, "--session", "c", "--preset", "int4-weights"])
        XCTAssertEqual(int4.status, 0, int4.stderr)
        XCTAssertTrue(int4.stdout.contains("variant int4-weights"), int4.stdout)
        let int8 = try Harness.run(["compress", "--sessions-dir", sessions.path, "--session", "c"])
        XCTAssertEqual(int8.status, 0, int8.stderr)
        func variant(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent("c/variants/\(name).json"))) as? [String: Any])
        }
        // mlp 220 → 64 → 9: int4 saves half of the 14,656 weight bytes (7,328, both counts even).
        let saved = try XCTUnwrap(variant("int8")["flashBytes"] as? Int) - XCTUnwrap(variant("int4-weights")["flashBytes"] as? Int)
        XCTAssertEqual(saved, 7_328)

        let plan = sessions.appendingPathComponent("plan.json")
        try Data(#"{"layers": {"fc2": {"weights": "fp16"}}}"#.utf8).write(to: plan)
        let island = try Harness.run(["compress", "--sessions-dir", sessions.path, "--session", "c", "--plan", plan.path])
        XCTAssertEqual(island.status, 0, island.stderr)
        XCTAssertTrue(island.stdout.contains("float islands: fc2"), island.stdout)

        let badPlan = sessions.appendingPathComponent("bad.json")
        try Data(#"{"layers": {"fc7": {"weights": "int4"}}}"#.utf8).write(to: badPlan)
        let bad = try Harness.run(["compress", "--sessions-dir", sessions.path, "--session", "c", "--plan", badPlan.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("layers.fc7") && bad.stderr.contains("fc1, fc2"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sessions.appendingPathComponent("c/variants/bad.json").path),
                       "a refused plan saves nothing")
        try Data(#"{"weights": "int3"}"#.utf8).write(to: badPlan)
        let malformed = try Harness.run(["compress", "--sessions-dir", sessions.path, "--session", "c", "--plan", badPlan.path])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.stderr.contains("weights"), malformed.stderr)
    }
}
