import Foundation
import XCTest

/// The default demo's path, headless: a narrow teacher (`--teacher-width`), then `distill`.
final class DemoPathCLITests: XCTestCase {
    func testANarrowTeacherTrainsHeadlessAndTeachesAStudent() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let base = ["run", "--headless", "--sessions-dir", sessions.path, "--session", "t", "--model", "teacher"]
        let small = ["--recordings", "3", "--minutes", "1", "--epochs", "1"]
        let teacher = try Harness.run(base + ["--teacher-width", "4"] + small)
        XCTAssertEqual(teacher.status, 0, teacher.stderr)
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent("t/session.json"))) as? [String: Any]
        let model = try XCTUnwrap(saved?["model"] as? [String: Any])
        XCTAssertEqual((model["teacher"] as? [String: Any])?["width"] as? Int, 4, "\(model)")

        let wider = try Harness.run(base + ["--teacher-width", "8"])
        XCTAssertNotEqual(wider.status, 0)
        XCTAssertTrue(wider.stderr.contains("--teacher-width 8 (session: 4)"), wider.stderr)
        let notATeacher = try Harness.run(["run", "--headless", "--model", "mlp", "--teacher-width", "8"])
        XCTAssertTrue(notATeacher.stderr.contains("--teacher-width needs --model teacher or teacher-paper"), notATeacher.stderr)

        let student = try Harness.run(["distill", "--sessions-dir", sessions.path, "--teacher", "t", "--student", "student-tiny",
                                       "--session", "s"])
        XCTAssertEqual(student.status, 0, student.stderr)
        XCTAssertTrue(student.stdout.contains("distilling from teacher session t"), student.stdout)
    }

    /// Across windows is a Mamba's setting: without `--model` (the workbench would walk the demo's
    /// teacher) it is refused before any session folder is written, naming the model it got.
    func testAcrossWindowsWithoutAMambaIsRefusedBeforeASessionExists() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        for launch in [["run", "--headless"], []] {
            let refused = try Harness.run(launch + ["--sessions-dir", sessions.path, "--across-windows", "4"])
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains("only a Mamba keeps a state across windows, not mlp"), refused.stderr)
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: sessions.path)) ?? [], [])
        }
    }
}
