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

    /// A student has no fused TFLM kernels, so the export decomposes it and writes golden vectors of
    /// the test windows beside the file; the test macro-F1 it prints must be the one those vectors
    /// give, recomputed here from the bytes on disk (first largest score per window, F1 averaged over
    /// the rooms in the labels).
    func testStudentExportWritesGoldenVectorsThatGiveThePrintedF1() throws {
        let sessions = try Harness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: sessions) }
        let trained = try Harness.run(["run", "--headless", "--sessions-dir", sessions.path, "--session", "s", "--model", "student-tiny",
                                       "--recordings", "3", "--minutes", "3", "--epochs", "1"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let out = sessions.appendingPathComponent("tflite")
        let exported = try Harness.run(["export", "--sessions-dir", sessions.path, "--session", "s", "--format", "tflite", "--out", out.path])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)),
                       ["model.tflite", "golden-inputs.bin", "golden-scores.bin", "golden-labels.bin"])

        let model = [UInt8](try Data(contentsOf: out.appendingPathComponent("model.tflite")))
        XCTAssertEqual(Array(model[4..<8]), Array("TFL3".utf8))
        let labels = [UInt8](try Data(contentsOf: out.appendingPathComponent("golden-labels.bin"))).map(Int.init)
        let scores = [UInt8](try Data(contentsOf: out.appendingPathComponent("golden-scores.bin"))).map { Int(Int8(bitPattern: $0)) }
        let inputs = try Data(contentsOf: out.appendingPathComponent("golden-inputs.bin"))
        XCTAssertFalse(labels.isEmpty)
        XCTAssertEqual(scores.count % labels.count, 0)
        let rooms = scores.count / labels.count
        XCTAssertEqual(inputs.count % labels.count, 0)
        XCTAssertTrue(exported.stdout.contains("golden-inputs.bin (\(inputs.count / labels.count) int8 codes per window)"), exported.stdout)

        var confusion = [[Int]](repeating: [Int](repeating: 0, count: rooms), count: rooms)
        for (w, truth) in labels.enumerated() {
            let row = scores[w * rooms..<(w + 1) * rooms]
            confusion[truth][row.firstIndex(of: row.max()!)! - w * rooms] += 1
        }
        var f1s = [Double]()
        for room in 0..<rooms where confusion[room].reduce(0, +) > 0 {
            let hits = Double(confusion[room][room])
            let precision = hits == 0 ? 0 : hits / Double(confusion.reduce(0) { $0 + $1[room] })
            let recall = hits / Double(confusion[room].reduce(0, +))
            f1s.append(precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
        }
        let macroF1 = f1s.reduce(0, +) / Double(f1s.count)
        let printed = String(format: "on %d windows: .tflite (tinyloc's prediction of TFLM) %.3f", labels.count, macroF1)
        XCTAssertTrue(exported.stdout.contains(printed), "expected «\(printed)» in\n\(exported.stdout)")
    }
}
