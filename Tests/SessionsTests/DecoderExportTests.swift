import Compression
import Deploy
import Foundation
import Localisation
import Models
import TinyTensor
import XCTest
@testable import Sessions

/// The room decoder exported beside the model, compiled with the system C compiler: its decisions
/// against the Swift integer decoder (`IntegerViterbi`) on the same model's int8 scores, and its
/// static arrays against the RAM plan's decoder line.
final class DecoderExportTests: XCTestCase {
    private let shape = ModelShape(steps: 20, features: 11, classes: 9)

    /// Reads recordings of windows (floats); per recording: reset, then per window quantize, predict
    /// and decode_step, then flush. Writes every decision in the order the chip produces them.
    private static let harness = #"""
#include <stdio.h>
#include <stdlib.h>
#include "model.h"

int main(int argc, char **argv) {
    static float window[TINYLOC_INPUT_SIZE];
    static int8_t codes[TINYLOC_INPUT_SIZE], scores[TINYLOC_OUTPUT_SIZE];
    static uint8_t owed[4096];
    FILE *in, *out;
    long per, w;
    if (argc != 4) return 2;
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    per = atol(argv[3]);
    if (!in || !out || per <= 0) return 2;
    for (w = 0; fread(window, sizeof(float), TINYLOC_INPUT_SIZE, in) == TINYLOC_INPUT_SIZE; w++) {
        uint8_t room;
        if (w % per == 0) tinyloc_decode_reset();
        tinyloc_quantize(window, codes);
        tinyloc_predict(codes, scores);
        if (tinyloc_decode_step(scores, &room)) fwrite(&room, 1, 1, out);
        if (w % per == per - 1) fwrite(owed, 1, (size_t)tinyloc_decode_flush(owed), out);
    }
    return fclose(out) == 0 ? 0 : 1;
}
"""#

    /// Windows that drift slowly (a wearer who stays put for a while), so the decoder has both
    /// persistent stretches and changes to follow.
    private func recordings(_ count: Int, windows: Int, rng: inout SeededRNG) -> [[[Float]]] {
        (0..<count).map { _ in
            var level = (0..<shape.features).map { _ in Float(rng.uniformDouble()) }
            return (0..<windows).map { _ in
                if rng.uniformDouble() < 0.1 { level = (0..<shape.features).map { _ in Float(rng.uniformDouble()) } }
                return (0..<(shape.steps * shape.features)).map { i in level[i % shape.features] + 0.15 * rng.normal() }
            }
        }
    }

    /// A seeded MLP with its weights moved, so its scores vary from window to window.
    private func integerModel(calibration: [[Float]]) throws -> IntegerGraph {
        let model = ModelConfig(kind: .mlp).build(shape: shape, seed: 31)
        var rng = SeededRNG(seed: 32)
        for p in model.parameters { for i in 0..<p.count { p.value[i] += 0.3 * rng.normal() } }
        return try XCTUnwrap(IntegerModel(model, calibrationWindows: calibration)).integer
    }

    /// Transitions with three moves ruled out per room (every room still enterable) and a
    /// classifier prior unlike the transitions' prior.
    private func decoding(rng: inout SeededRNG) throws -> TemporalDecoding {
        let c = shape.classes
        let probability = (0..<c).map { i -> [Double] in
            var row = (0..<c).map { j in j == i ? 8 + rng.uniformDouble() : rng.uniformDouble() + 0.05 }
            for k in 2...4 { row[(i + k) % c] = 0 }
            return row.map { $0 / row.reduce(0, +) }
        }
        let weights = (0..<c).map { _ in rng.uniformDouble() + 0.2 }
        let classifierWeights = (0..<c).map { _ in rng.uniformDouble() + 0.2 }
        let transitions = try RoomTransitions(rooms: (0..<c).map { "room\($0)" }, probability: probability,
                                              prior: weights.map { $0 / weights.reduce(0, +) }, source: "test")
        return TemporalDecoding(transitions: transitions, classifierPrior: classifierWeights.map { $0 / classifierWeights.reduce(0, +) })
    }

    private func compiler() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for name in ["clang", "cc"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        throw XCTSkip("no C compiler (clang or cc) on PATH")
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            XCTFail("\(tool) \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
            throw CancellationError()
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Compiles model.c with the harness (-Wall -Wextra -Werror, undefined-behaviour sanitizer),
    /// runs the recordings through it and returns the decisions; also the bytes of the decoder's
    /// writable arrays in the object file, as `nm` sizes them.
    private func compileAndRun(_ export: CExport, recordings: [[[Float]]]) throws -> (decisions: [Int], decoderRAM: Int) {
        let cc = try compiler()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-decoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try export.header.write(to: dir.appendingPathComponent("model.h"), atomically: true, encoding: .utf8)
        try export.source.write(to: dir.appendingPathComponent("model.c"), atomically: true, encoding: .utf8)
        try Self.harness.write(to: dir.appendingPathComponent("harness.c"), atomically: true, encoding: .utf8)
        let flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2"]
        let object = dir.appendingPathComponent("model.o").path
        try run(cc, flags + ["-c", "-o", object, dir.appendingPathComponent("model.c").path])
        // "name size type" per symbol; the decoder's writable arrays are tl_decode_* in .bss/.data.
        let symbols = try run("/usr/bin/env", ["nm", "-S", "--size-sort", object])
        let decoderRAM = symbols.split(separator: "\n").reduce(0) { total, line in
            let parts = line.split(separator: " ")
            guard parts.count == 4, "bBdD".contains(parts[2]), parts[3].hasPrefix("tl_decode_") else { return total }
            return total + Int(parts[1], radix: 16)!
        }
        let binary = dir.appendingPathComponent("harness").path
        try run(cc, flags + ["-fsanitize=undefined", "-fno-sanitize-recover=all", "-o", binary,
                             dir.appendingPathComponent("harness.c").path, dir.appendingPathComponent("model.c").path])
        var input = Data()
        for window in recordings.joined() { window.withUnsafeBytes { input.append(contentsOf: $0) } }
        try input.write(to: dir.appendingPathComponent("in.bin"))
        try run(binary, [dir.appendingPathComponent("in.bin").path, dir.appendingPathComponent("out.bin").path, String(recordings[0].count)])
        return (try Data(contentsOf: dir.appendingPathComponent("out.bin")).map(Int.init), decoderRAM)
    }

    func testExportedDecoderDecidesAsTheSwiftIntegerDecoder() throws {
        var rng = SeededRNG(seed: 30)
        let windowsPerRecording = 120
        let data = recordings(3, windows: windowsPerRecording, rng: &rng)
        let integer = try integerModel(calibration: Array(data[0].prefix(32)))
        let decoding = try decoding(rng: &rng)
        let engine = IntegerInterpreter(integer)
        let scores = data.map { $0.map { engine.run(engine.quantizeInput($0)) } }
        let scaling = decoding.integer.scaling(scoreScale: integer.output.quantization.scale)
        var changedByDecoding = 0
        for lag in [0, 1, 5, 10, windowsPerRecording - 1] {
            let decoder = ChipDecoder(decoding, name: "lag=\(lag)", lag: lag, scoreScale: integer.output.quantization.scale)
            let export = try CExporter(windowed: integer, decoder: decoder).export()
            let result = try compileAndRun(export, recordings: data)
            let expected = scores.flatMap { recording -> [Int] in
                decoding.integer.decode(emissions: decoding.integer.emissions(scores: recording.flatMap { $0 }, scaling: scaling), lag: lag)
            }
            XCTAssertEqual(result.decisions, expected, "lag \(lag): tinyloc_decode_step/flush against IntegerViterbi")
            let argmax = scores.joined().map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }! }
            changedByDecoding += zip(expected, argmax).filter { $0 != $1 }.count
            // The RAM plan's line is what the compiled object holds: ring, two score rows, the count.
            XCTAssertEqual(result.decoderRAM, lag * 9 + 2 * 9 * 4 + 4, "lag \(lag): decoder arrays in model.o")
            XCTAssertEqual(decoder.ramBytes, result.decoderRAM)
            XCTAssertEqual(export.decoderRAMBytes, decoder.ramBytes)
            XCTAssertEqual(decoder.ramBytes, decoding.integer.footprint(lag: lag).ramBytes)
            XCTAssertEqual(decoder.flashBytes, decoding.integer.footprint(lag: lag).flashBytes)
            let plan = try RAMReport(integer: integer).adding(decoder)
            XCTAssertEqual(plan.totalRAMBytes, export.arenaBytes + decoder.ramBytes)
            XCTAssertEqual(plan.decoder?.name, "decoder lag=\(lag)")
        }
        // The test is not argmax against argmax: the decoder moved a fair share of the rooms.
        XCTAssertGreaterThan(changedByDecoding, 5 * windowsPerRecording / 10)
    }

    func testExportedTablesCountInTheConstData() throws {
        var rng = SeededRNG(seed: 33)
        let data = recordings(1, windows: 8, rng: &rng)
        let integer = try integerModel(calibration: data[0])
        let decoder = ChipDecoder(try decoding(rng: &rng), name: "lag=5", lag: 5, scoreScale: integer.output.quantization.scale)
        let plain = try CExporter(windowed: integer).export()
        let decoded = try CExporter(windowed: integer, decoder: decoder).export()
        // 9 × 9 int16 transitions, two 9-entry int16 priors, the int64 multiplier.
        XCTAssertEqual(decoded.constBytes - plain.constBytes, 81 * 2 + 2 * 9 * 2 + 8)
        XCTAssertEqual(decoder.flashBytes, 206)
        XCTAssertTrue(decoded.header.contains("int tinyloc_decode_step(const int8_t *scores, uint8_t *room);"))
        XCTAssertTrue(decoded.readme.contains("tinyloc_decode_step"))
    }

    func testOnlyAFixedLagHasAChipForm() {
        XCTAssertThrowsError(try DecodingStage.chipDecoder(DecoderSpec(mode: .offline, usesFloorPlan: true),
                                                           session: SessionConfig(name: "any"), scoreScale: 0.1)) { error in
            XCTAssertEqual(error as? TemporalDecodingError, .notOnChip(decoder: "offline+plan"))
            XCTAssertTrue("\(error)".contains("offline+plan cannot run on the chip"), "\(error)")
        }
    }

    func testADecoderOfOtherRoomsIsRefusedByName() throws {
        var rng = SeededRNG(seed: 34)
        let integer = try integerModel(calibration: recordings(1, windows: 4, rng: &rng)[0])
        let decoder = ChipDecoder(name: "lag=2", rooms: 4, lag: 2, logTransition: [Int16](repeating: 0, count: 16),
                                  logPrior: [0, 0, 0, 0], logClassifierPrior: [0, 0, 0, 0], scoreMultiplier: 1 << 20, scoreShift: 24)
        XCTAssertThrowsError(try CExporter(windowed: integer, decoder: decoder).export()) { error in
            XCTAssertEqual(error as? CExportError, .unsupported(op: "decoder", reason: "it decodes 4 rooms and the model scores 9"))
        }
    }
}
