import Foundation
import XCTest

/// `tinyloc cv`, `run --headless --data`, `coverage` and `windows` on a small SPHERE-layout folder
/// written here (four 40 s recordings, two rooms), and a bad file reported by file, line, column.
final class RealDataCLITests: XCTestCase {
    private func sphereFixture() throws -> URL {
        let folder = try Harness.temporaryFolder().appendingPathComponent("sphere")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"["hall", "kitchen"]"#.utf8).write(to: folder.appendingPathComponent("rooms.json"))
        for k in 1...4 {
            let dir = folder.appendingPathComponent(String(format: "train/%05d", k))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var text = "t,x,y,z,Hall_AP,Kitchen_AP\n"
            for i in 0..<400 {
                let t = Double(i) / 10
                let hall = t < 20
                let jitter = Double((i * 7 + k) % 5)
                // Receiver Kitchen_AP is silent for the whole of recording 4.
                let kitchen = k == 4 ? "" : String(hall ? -88 - jitter : -62 - jitter)
                text += "\(t),0,0,1,\(hall ? -60 - jitter : -86 - jitter),\(kitchen)\n"
            }
            try Data(text.utf8).write(to: dir.appendingPathComponent("acceleration.csv"))
            try Data("start,end,name,index\n0,20,hall,0\n20,40,kitchen,1\n".utf8).write(to: dir.appendingPathComponent("location_0.csv"))
        }
        return folder
    }

    func testCrossValidationPrintsFoldsAndWritesJSON() throws {
        let data = try sphereFixture()
        let json = data.deletingLastPathComponent().appendingPathComponent("cv.json")
        let result = try Harness.run(["cv", "--data", data.path, "--model", "mlp", "--seeds", "1,2", "--epochs", "2",
                                      "--receiver-dropout", "0.2", "--json", json.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("test 00001  val 00002  seed 1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("test 00004  val 00001  seed 2"), result.stdout)
        XCTAssertTrue(result.stdout.contains("mean over 8 folds: macro-F1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("receiver dropout 0.2"), result.stdout)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let folds = try XCTUnwrap(report["folds"] as? [[String: Any]])
        XCTAssertEqual(folds.count, 8)
        XCTAssertEqual(folds.compactMap { $0["test"] as? String }, ["00001", "00002", "00003", "00004", "00001", "00002", "00003", "00004"])
        let first = try XCTUnwrap(folds.first?["result"] as? [String: Any])
        XCTAssertNotNil(first["macroF1"] as? Double)
        XCTAssertNotNil(first["roomF1"] as? [String: Double])
        XCTAssertEqual((first["confusion"] as? [[Int]])?.count, 2)
        XCTAssertNotNil(report["meanMacroF1"] as? Double)
        let parameters = try XCTUnwrap(report["parameters"] as? Int)
        XCTAssertTrue(result.stdout.contains("parameters: mlp \(parameters)\n"), result.stdout)

        let bad = try Harness.run(["cv", "--data", data.path, "--model", "nope"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown --model 'nope'"), bad.stderr)
        // Distillation scores each fold's teacher on the same test recording.
        let distil = try Harness.run(["cv", "--data", data.path, "--model", "student-tiny", "--distill-from", "cnn",
                                      "--epochs", "1", "--hold-out", "1"])
        XCTAssertEqual(distil.status, 0, distil.stderr)
        XCTAssertTrue(distil.stdout.contains("distilled from cnn (trained per fold and seed)"), distil.stdout)
        let counts = try XCTUnwrap(distil.stdout.range(of: #"parameters: student-tiny \d+ · distilled from cnn \d+\n"#,
                                                       options: .regularExpression), distil.stdout)
        XCTAssertLessThan(counts.lowerBound, try XCTUnwrap(distil.stdout.range(of: "  test ")).lowerBound)
        XCTAssertTrue(distil.stdout.contains("      its teacher: epochs   1"), distil.stdout)
        XCTAssertTrue(distil.stdout.contains("the teachers on the same folds: macro-F1"), distil.stdout)
        // A CRF head exists only on the teachers, and a CRF model trains on step labels, not by distillation.
        let notTeacher = try Harness.run(["cv", "--data", data.path, "--model", "mlp", "--crf"])
        XCTAssertNotEqual(notTeacher.status, 0)
        XCTAssertTrue(notTeacher.stderr.contains("--crf needs --model teacher or teacher-paper"), notTeacher.stderr)
        let distilled = try Harness.run(["cv", "--data", data.path, "--model", "teacher", "--crf", "--distill-from", "teacher"])
        XCTAssertNotEqual(distilled.status, 0)
        XCTAssertTrue(distilled.stderr.contains("cannot be combined with --distill-from"), distilled.stderr)
        let run = try Harness.run(["run", "--headless", "--model", "student", "--crf"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("--crf needs --model teacher or teacher-paper"), run.stderr)
    }

    /// An interrupted cross-validation leaves its finished folds in <json>.partial; the same
    /// command resumes, keeps those folds as saved and trains only the missing ones, which come
    /// out as in an uninterrupted run. Progress of other settings, or a damaged file, is refused.
    func testInterruptedCrossValidationResumesFromItsSavedFolds() throws {
        let data = try sphereFixture()
        let folder = data.deletingLastPathComponent()
        let whole = folder.appendingPathComponent("whole.json"), resumed = folder.appendingPathComponent("resumed.json")
        let partial = URL(fileURLWithPath: resumed.path + ".partial")
        let arguments = ["cv", "--data", data.path, "--model", "mlp", "--seeds", "1,2", "--epochs", "2"]
        XCTAssertEqual(try Harness.run(arguments + ["--json", whole.path]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: whole.path + ".partial"), "a finished run leaves no progress file")

        // What a kill during the sixth fold leaves: the first five folds, one marked to prove it is reused.
        var saved = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: whole)) as? [String: Any])
        var folds = try XCTUnwrap(saved["folds"] as? [[String: Any]])
        folds = Array(folds.prefix(5))
        folds[0]["validationMacroF1"] = 0.123456
        saved["folds"] = folds
        try JSONSerialization.data(withJSONObject: saved).write(to: partial)

        let again = try Harness.run(arguments + ["--json", resumed.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("resuming from \(partial.path): 5 folds already done"), again.stdout)
        XCTAssertEqual(again.stdout.components(separatedBy: "(saved)").count - 1, 5, again.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.path))
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: whole)) as? [String: Any])
        let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: resumed)) as? [String: Any])
        let expectedFolds = try XCTUnwrap(expected["folds"] as? [[String: Any]]), gotFolds = try XCTUnwrap(got["folds"] as? [[String: Any]])
        XCTAssertEqual(gotFolds.count, 8)
        XCTAssertEqual(gotFolds[0]["validationMacroF1"] as? Double, 0.123456, "the saved fold is taken as saved")
        for i in 1..<8 {
            XCTAssertEqual(gotFolds[i]["result"] as? NSDictionary, expectedFolds[i]["result"] as? NSDictionary, "fold \(i)")
        }

        // Progress of another configuration is not mixed in, and is left untouched.
        try JSONSerialization.data(withJSONObject: saved).write(to: partial)
        let other = try Harness.run(["cv", "--data", data.path, "--model", "mlp", "--seeds", "1", "--epochs", "2", "--json", resumed.path])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("\(partial.path) holds an interrupted cross-validation with other settings"), other.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: partial.path))
        try Data("{ not json".utf8).write(to: partial)
        let damaged = try Harness.run(arguments + ["--json", resumed.path])
        XCTAssertNotEqual(damaged.status, 0)
        XCTAssertTrue(damaged.stderr.contains("\(partial.path) is not a cross-validation's saved progress"), damaged.stderr)
    }

    func testHeadlessRunWithASplitByRecording() throws {
        let data = try sphereFixture()
        let sessions = data.deletingLastPathComponent().appendingPathComponent("sessions")
        let result = try Harness.run(["run", "--headless", "--data", data.path, "--train", "1-2", "--val", "3", "--test", "4",
                                      "--epochs", "2", "--scaling", "minmax", "--sessions-dir", sessions.path, "--session", "real"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("train 00001,00002 · validation 00003 · test 00004"), result.stdout)
        XCTAssertTrue(result.stdout.contains("note: Kitchen_AP heard nothing in all of 00004"), result.stdout)
        XCTAssertTrue(result.stdout.contains("per-room F1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("confusion (float, test"), result.stdout)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent("real/report.json"))) as? [String: Any])
        XCTAssertEqual(report["scaling"] as? String, "minmax")
        XCTAssertTrue(FileManager.default.fileExists(atPath: sessions.appendingPathComponent("real/checkpoints/scaler.json").path))

        let overlap = try Harness.run(["run", "--headless", "--data", data.path, "--train", "1-3", "--val", "3", "--test", "4",
                                       "--sessions-dir", sessions.path, "--session", "overlap"])
        XCTAssertNotEqual(overlap.status, 0)
        XCTAssertTrue(overlap.stderr.contains("00003 is in more than one"), overlap.stderr)
    }

    func testDefaultSplitHoldsOutRecordingsThatHearEveryReceiverAndSaysSo() throws {
        let data = try sphereFixture()
        let sessions = data.deletingLastPathComponent().appendingPathComponent("sessions")
        let result = try Harness.run(["run", "--headless", "--data", data.path, "--epochs", "1",
                                      "--sessions-dir", sessions.path, "--session", "default-split"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // 00004 lost Kitchen_AP, so it trains and the last two complete recordings are held out.
        XCTAssertTrue(result.stdout.contains("train 00001,00004 · validation 00002 · test 00003"), result.stdout)
        XCTAssertTrue(result.stdout.contains("default split: 00004 (no Kitchen_AP) train; val 00002, test 00003 hear the receivers most recordings hear (Hall_AP, Kitchen_AP)"), result.stdout)
    }

    func testStudyCSVRunsWithFingerprintForTrainingAndFreeLivingForTest() throws {
        let folder = try Harness.temporaryFolder().appendingPathComponent("study")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for part in ["fp", "fl"] {
            var text = "index,ap_hall,ap_kitchen,room\n"
            for i in 0..<300 {
                let hall = (i / 50) % 2 == 0
                let jitter = (i * 3 + (part == "fp" ? 0 : 1)) % 4
                text += "\(i),\(hall ? -60 - jitter : -90),\(hall ? -120 : -62 - jitter),\(hall ? 1 : 2)\n"
            }
            try Data(text.utf8).write(to: folder.appendingPathComponent("csv_house_A_\(part).csv"))
        }
        try Data(#"["hall", "kitchen"]"#.utf8).write(to: folder.appendingPathComponent("rooms.json"))
        let sessions = folder.deletingLastPathComponent().appendingPathComponent("sessions")
        let result = try Harness.run(["run", "--headless", "--data", folder.path, "--train", "A-fp", "--val", "none", "--test", "A-fl",
                                      "--epochs", "2", "--sessions-dir", sessions.path, "--session", "study"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("data study-A: 2 rooms, 2 receivers, 2 recordings (train A-fp · validation none"), result.stdout)
        XCTAssertTrue(result.stdout.contains("test A-fl: float macro-F1"), result.stdout)
    }

    func testCoverageAndWindowsExport() throws {
        let data = try sphereFixture()
        let coverage = try Harness.run(["coverage", "--data", data.path])
        XCTAssertEqual(coverage.status, 0, coverage.stderr)
        let lines = coverage.stdout.split(separator: "\n")
        let last = try XCTUnwrap(lines.first { $0.contains("00004") })
        XCTAssertTrue(last.contains("100% (-7"), "Hall_AP hears every packet, −60 to −90 dBm: \(last)")
        XCTAssertTrue(last.hasSuffix("—"), "Kitchen_AP silent in 00004: \(last)")

        let out = data.deletingLastPathComponent().appendingPathComponent("w.csv")
        let export = try Harness.run(["windows", "--data", data.path, "--out", out.path])
        XCTAssertEqual(export.status, 0, export.stderr)
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(rows[0].hasPrefix("recording,start,label,s0:rssi:Hall_AP,s0:rssi:Kitchen_AP,s0:heard:Hall_AP"))
        XCTAssertEqual(rows[0].split(separator: ",").count, 3 + 20 * 7)
        XCTAssertEqual(rows[1].split(separator: ",").count, 3 + 20 * 7)
        let description = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.path + ".json"))) as? [String: Any])
        let folds = try XCTUnwrap(description["folds"] as? [[String: Any]])
        XCTAssertEqual(folds.first?["validation"] as? String, "00002")
        XCTAssertEqual(folds.first?["train"] as? [String], ["00003", "00004"])
        XCTAssertEqual(rows.count - 1, (description["windowsPerRecording"] as? [String: Int])?.values.reduce(0, +))
    }

    func testBadFileIsReportedWithFileLineAndColumn() throws {
        let data = try sphereFixture()
        let samples = data.appendingPathComponent("train/00003/acceleration.csv")
        var text = try String(contentsOf: samples, encoding: .utf8)
        text = text.replacingOccurrences(of: "\n1.0,0,0,1,", with: "\n1.0,0,zero,1,")
        try Data(text.utf8).write(to: samples)
        let result = try Harness.run(["cv", "--data", data.path, "--epochs", "1"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("train/00003/acceleration.csv:12 column \"y\""), result.stderr)
        XCTAssertFalse(result.stdout.contains("test 00001"), "nothing trains on half-loaded data")
    }
}
