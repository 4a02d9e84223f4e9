import Foundation
import XCTest

/// `tinyloc export --format tflite` on a finished session: one model.tflite (a TFL3 flatbuffer),
/// no C beside it, and the planned arena the report holds.
final class TFLiteExportCLITests: XCTestCase {
    func testExportWritesATFLiteFileWithThePlannedArena() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let trained = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "m", "--model", "mlp",
                                       "--recordings", "3", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let out = sessions.appendingPathComponent("tflite")
        let exported = try Harness.run(["export", "--sessions-dir", sessions.path, "--session", "m", "--format", "tflite", "--out", out.path])
        XCTAssertEqual(exported.status, 0, exported.stderr)

        let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent("model.tflite")))
        XCTAssertEqual(Array(bytes[4..<8]), Array("TFL3".utf8), "the schema's file identifier after the root offset")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["model.tflite"])
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent("m/report.json"))) as? [String: Any])
        let memory = try XCTUnwrap(report["memory"] as? [String: Any])
        let arena = try XCTUnwrap((memory["integer"] as? [String: Any])?["arenaBytes"] as? Int)
        XCTAssertTrue(exported.stdout.contains("model.tflite: \(bytes.count) B"), exported.stdout)
        XCTAssertTrue(exported.stdout.contains("planned arena for the same graph \(arena) B"), exported.stdout)

        let wrong = try Harness.run(["export", "--sessions-dir", sessions.path, "--session", "m", "--format", "onnx", "--out", out.path])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("onnx"), wrong.stderr)
    }
}
