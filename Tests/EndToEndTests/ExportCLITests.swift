import Foundation
import XCTest

/// `tinyloc export` on a finished session: the files, the figures the report planned, and the refusal
/// of a session that has no integer model.
final class ExportCLITests: XCTestCase {
    func testExportWritesTheModelWithItsPlannedArenaAndStreamingAPI() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let trained = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "m", "--model", "mamba",
                                       "--recordings", "3", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let out = sessions.appendingPathComponent("export")
        let exported = try Harness.run(["export", "--sessions-dir", sessions.path, "--session", "m", "--out", out.path])
        XCTAssertEqual(exported.status, 0, exported.stderr)

        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: sessions.appendingPathComponent("m/report.json"))) as? [String: Any])
        let memory = try XCTUnwrap(report["memory"] as? [String: Any])
        let arena = try XCTUnwrap((memory["integer"] as? [String: Any])?["arenaBytes"] as? Int)
        let streamArena = try XCTUnwrap((memory["integerStreaming"] as? [String: Any])?["arenaBytes"] as? Int)
        let header = try String(contentsOf: out.appendingPathComponent("model.h"), encoding: .utf8)
        let source = try String(contentsOf: out.appendingPathComponent("model.c"), encoding: .utf8)
        XCTAssertTrue(header.contains("#define TINYLOC_ARENA_BYTES \(arena)\n"), header)
        XCTAssertTrue(header.contains("#define TINYLOC_STREAM_ARENA_BYTES \(streamArena)\n"), header)
        XCTAssertTrue(source.contains("static uint8_t tl_predict_arena[\(arena)]"))
        XCTAssertTrue(source.contains("static uint8_t tl_stream_arena[\(streamArena)]"))
        XCTAssertFalse(source.contains("malloc"))
        XCTAssertTrue(try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8).contains("| \(arena) B |"))
        XCTAssertTrue(exported.stdout.contains("arena \(arena) B"), exported.stdout)

        let missing = try Harness.run(["export", "--sessions-dir", sessions.path, "--session", "none", "--out", out.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("session none has no variant int8"), missing.stderr)
    }
}
