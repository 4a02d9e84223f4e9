import Compression
import Foundation
import Graph
import Models
import XCTest
@testable import Deploy

/// The exported C, compiled with the system C compiler, against the Swift integer engine on the
/// same windows: every family, byte for byte.
final class CExportTests: XCTestCase {
    private let shape = ModelShape(steps: 20, features: 11, classes: 9)
    private static let windowCount = 500

    /// Quantizes each window with the C helper, predicts, and (streaming models) replays the window
    /// step by step; writes codes, scores and stream scores per window.
    private static let harness = #"""
#include <stdio.h>
#include "model.h"

int main(int argc, char **argv) {
    static float window[TINYLOC_INPUT_SIZE];
    static int8_t codes[TINYLOC_INPUT_SIZE], scores[TINYLOC_OUTPUT_SIZE];
    FILE *in, *out;
    if (argc != 3) return 2;
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) return 2;
    while (fread(window, sizeof(float), TINYLOC_INPUT_SIZE, in) == TINYLOC_INPUT_SIZE) {
        tinyloc_quantize(window, codes);
        tinyloc_predict(codes, scores);
        fwrite(codes, 1, TINYLOC_INPUT_SIZE, out);
        fwrite(scores, 1, TINYLOC_OUTPUT_SIZE, out);
#ifdef TINYLOC_STEP_SIZE
        {
            int t;
            tinyloc_reset();
            for (t = 0; t < TINYLOC_INPUT_SIZE / TINYLOC_STEP_SIZE; t++) tinyloc_step(codes + t * TINYLOC_STEP_SIZE, scores);
            fwrite(scores, 1, TINYLOC_OUTPUT_SIZE, out);
        }
#endif
    }
    return fclose(out) == 0 ? 0 : 1;
}
"""#

    /// Windows shaped like the real input (RSSI and heard-rates 0…1, accelerometer ±1); one in five
    /// reaches a quarter beyond, so input clamping and saturation inside the model are exercised too.
    private func windows(_ count: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func uniform(_ low: Float, _ high: Float) -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return low + (high - low) * Float(state >> 40) / Float(1 << 24)
        }
        return (0..<count).map { w in
            let wide: Float = w % 5 == 4 ? 0.25 : 0
            return (0..<(shape.steps * shape.features)).map { i in
                i % shape.features < 8 ? uniform(-wide, 1 + wide) : uniform(-1 - wide, 1 + wide)
            }
        }
    }

    /// Seeded initial weights moved by ±0.2, so norms and gates are not at identity.
    private func model(_ kind: ModelKind) -> ClassifierModel {
        var config = ModelConfig(kind: kind)
        if kind == .teacher { config.teacher = TeacherConfig(width: 8) }
        let model = config.build(shape: shape, seed: 21)
        var state: UInt64 = 22
        for p in model.parameters {
            for i in 0..<p.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                p.value[i] += (Float(state >> 40) / Float(1 << 24) * 2 - 1) * 0.2
            }
        }
        return model
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

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            XCTFail("\(tool) \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
            throw CancellationError()
        }
    }

    /// Exports, compiles with -std=c99 -Wall -Wextra -Werror -O2, runs the harness on the windows and
    /// returns per window (input codes, scores, stream scores).
    private func compileAndRun(_ export: CExport, windows: [[Float]], streaming: Bool) throws -> [(codes: [Int8], scores: [Int8], stream: [Int8])] {
        let cc = try compiler()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-cexport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try export.header.write(to: dir.appendingPathComponent("model.h"), atomically: true, encoding: .utf8)
        try export.source.write(to: dir.appendingPathComponent("model.c"), atomically: true, encoding: .utf8)
        try Self.harness.write(to: dir.appendingPathComponent("harness.c"), atomically: true, encoding: .utf8)
        let binary = dir.appendingPathComponent("harness").path
        try run(cc, ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-fsanitize=undefined", "-fno-sanitize-recover=all", "-o", binary,
                     dir.appendingPathComponent("harness.c").path, dir.appendingPathComponent("model.c").path])
        var input = Data()
        for w in windows { w.withUnsafeBytes { input.append(contentsOf: $0) } }
        try input.write(to: dir.appendingPathComponent("in.bin"))
        try run(binary, [dir.appendingPathComponent("in.bin").path, dir.appendingPathComponent("out.bin").path])
        let bytes = [Int8](try Data(contentsOf: dir.appendingPathComponent("out.bin")).map { Int8(bitPattern: $0) })
        let n = windows[0].count, c = shape.classes, record = n + c + (streaming ? c : 0)
        XCTAssertEqual(bytes.count, windows.count * record, "harness output size")
        return (0..<min(windows.count, bytes.count / record)).map { w in
            let base = w * record
            return (Array(bytes[base..<(base + n)]), Array(bytes[(base + n)..<(base + n + c)]),
                    streaming ? Array(bytes[(base + n + c)..<(base + record)]) : [])
        }
    }

    /// `int16` makes every inner activation int16 (the API's input and output stay int8); `edit`
    /// changes the integer graphs before export (both the engine and the C then run the edited graph).
    private func checkBitExact(_ kind: ModelKind, int16: Bool = false, stateBits: Int = 16, edit: (inout IntegerGraph) -> Void = { _ in },
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let net = model(kind)
        let float = try XCTUnwrap(net.lowered(.windowed), "\(kind) lowers")
        let wide = int16 ? Dictionary(uniqueKeysWithValues: float.tensors.filter { $0.role == .activation }.map { ($0.name, 16) }) : [:]
        let quantizer = GraphQuantizer(calibration: try Calibration(graph: float, windows: windows(16, seed: 1)),
                                       plan: PrecisionPlan(stateBits: stateBits), activationBits: wide)
        var integer = try quantizer.quantize(float)
        var streaming = try net.lowered(.streaming).map(quantizer.quantize)
        edit(&integer)
        if streaming != nil { edit(&streaming!) }
        let export = try CExporter(windowed: integer, streaming: streaming).export()
        let inputs = windows(Self.windowCount, seed: 2)
        let results = try compileAndRun(export, windows: inputs, streaming: streaming != nil)
        XCTAssertEqual(results.count, inputs.count, file: file, line: line)
        let engine = IntegerInterpreter(integer), stream = streaming.map(IntegerInterpreter.init)
        var codeMismatches = 0, mismatches = 0, streamMismatches = 0, streamVersusWindow = 0, streamVersusEngine = 0, checkedStreams = 0
        for (window, result) in zip(inputs, results) {
            let codes = engine.quantizeInput(window)
            if result.codes.map(Int32.init) != codes { codeMismatches += 1 }
            let expected = engine.run(codes)
            if result.scores.map(Int32.init) != expected { mismatches += 1 }
            if let stream {
                // The C stream against the windowed engine on every window; against the streaming
                // engine (slow in a debug build) on the first 100.
                if result.stream.map(Int32.init) != expected { streamMismatches += 1 }
                guard checkedStreams < 100 else { continue }
                checkedStreams += 1
                stream.reset()
                let step = stream.graph.input.elements
                var last: [Int32] = []
                for t in 0..<(codes.count / step) { last = stream.run(Array(codes[(t * step)..<((t + 1) * step)])) }
                if result.stream.map(Int32.init) != last { streamVersusEngine += 1 }
                if last != expected { streamVersusWindow += 1 }
            }
        }
        let count = inputs.count
        XCTAssertEqual(codeMismatches, 0, "\(kind): tinyloc_quantize differs from quantizeInput in \(codeMismatches) of \(count) windows", file: file, line: line)
        XCTAssertEqual(mismatches, 0, "\(kind): tinyloc_predict differs from IntegerInterpreter in \(mismatches) of \(count) windows", file: file, line: line)
        XCTAssertEqual(streamMismatches, 0, "\(kind): tinyloc_step after T steps differs from the windowed output in \(streamMismatches) of \(count) windows", file: file, line: line)
        XCTAssertEqual(streamVersusEngine, 0, "\(kind): tinyloc_step after T steps differs from the streaming IntegerInterpreter in \(streamVersusEngine) of \(checkedStreams) windows", file: file, line: line)
        XCTAssertEqual(streamVersusWindow, 0, "\(kind): the streaming engine after T steps differs from the window in \(streamVersusWindow) of \(checkedStreams) windows", file: file, line: line)
        if streaming != nil { XCTAssertEqual(checkedStreams, 100, file: file, line: line) }
        XCTAssertEqual(export.arenaBytes, try RAMReport(integer: integer).arenaBytes, file: file, line: line)
    }

    func testMLPIsBitExact() throws { try checkBitExact(.mlp) }
    func testCNNIsBitExact() throws { try checkBitExact(.cnn) }
    func testLSTMIsBitExact() throws { try checkBitExact(.lstm) }
    func testStudentIsBitExact() throws { try checkBitExact(.student) }
    func testStudentTinyIsBitExact() throws { try checkBitExact(.studentTiny) }
    func testMambaWindowedAndStreamingAreBitExact() throws { try checkBitExact(.mamba) }
    func testMambaWideWindowedAndStreamingAreBitExact() throws { try checkBitExact(.mambaWide) }
    func testTeacherIsBitExact() throws { try checkBitExact(.teacher) }

    /// int16 activations: 16-bit loads and stores, 16x8 FULLY_CONNECTED, ADD's 15-bit shift, 513-entry tables.
    func testInt16ActivationsAreBitExact() throws {
        for kind in [ModelKind.mlp, .student, .lstm, .mamba] { try checkBitExact(kind, int16: true) }
    }

    /// An int32 scan state (the readout's 16-bit accumulator shift).
    func testInt32MambaStateIsBitExact() throws { try checkBitExact(.mamba, stateBits: 32) }

    /// int4 weights (as precision plans may choose) are packed two to a byte and unpacked by the kernel.
    func testInt4WeightsAreBitExact() throws {
        try checkBitExact(.cnn) { graph in
            for i in graph.ops.indices {
                switch graph.ops[i].kernel {
                case .fullyConnected(var k):
                    k.weights = Self.int4(k.weights)
                    graph.ops[i].kernel = .fullyConnected(k)
                case .conv1d(var k):
                    k.weights = Self.int4(k.weights)
                    graph.ops[i].kernel = .conv1d(k)
                default: break
                }
            }
        }
    }

    /// The same weights on the int4 grid (−7…7); the test compares engines, so the scales need not follow.
    private static func int4(_ w: SymmetricPerChannelWeights) -> SymmetricPerChannelWeights {
        var w = w
        w.bits = 4
        w.values = w.values.map { ($0 * 7) / 127 }
        return w
    }

    /// With the cross tools: the export built for a Cortex-M4F and run under QEMU gives the engine's
    /// scores (windowed and streaming; the packed FULLY_CONNECTED and attention paths included) and a count of instructions; without them, a skip naming the packages.
    func testOnAnEmulatedCortexM4FTheOutputsEqualTheEngine() throws {
        let tools: CortexM4Measurement.Tools
        do { tools = try CortexM4Measurement.findTools() } catch let failure as CortexM4Measurement.Failure {
            throw XCTSkip(failure.description)
        }
        for kind in [ModelKind.mlp, .studentTiny, .mamba] {
            let net = model(kind)
            let float = try XCTUnwrap(net.lowered(.windowed))
            let quantizer = GraphQuantizer(calibration: try Calibration(graph: float, windows: windows(16, seed: 1)))
            let integer = try quantizer.quantize(float), streaming = try net.lowered(.streaming).map(quantizer.quantize)
            let export = try CExporter(windowed: integer, streaming: streaming).export()
            let engine = IntegerInterpreter(integer)
            let inputs = windows(3, seed: 3).map(engine.quantizeInput)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-m4-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try CortexM4Measurement(tools: tools, export: export).run(windows: inputs, in: folder)
            XCTAssertEqual(result.predictions.map(\.scores), inputs.map { engine.run($0) }, "\(kind)")
            XCTAssertGreaterThan(result.predictions[0].instructions, integer.totalMACs, "\(kind): at least one instruction per MAC")
            XCTAssertGreaterThanOrEqual(result.model.bss, export.arenaBytes + (export.streamArenaBytes ?? 0), "\(kind)")
            if let streaming {
                let stream = IntegerInterpreter(streaming), step = streaming.input.elements
                let expected = inputs.map { codes -> [Int32] in
                    stream.reset()
                    return (0..<(codes.count / step)).map { stream.run(Array(codes[($0 * step)..<(($0 + 1) * step)])) }.last!
                }
                XCTAssertEqual(result.steps.map(\.scores), expected, "\(kind): tinyloc_step on the chip")
            }
        }
    }

    func testWeightsOfAnotherWidthAreRefusedNamingTheOp() throws {
        let net = model(.mlp)
        let float = try XCTUnwrap(net.lowered(.windowed))
        var integer = try GraphQuantizer(calibration: try Calibration(graph: float, windows: windows(4, seed: 1))).quantize(float)
        guard case .fullyConnected(var k) = integer.ops[0].kernel else { return XCTFail("the MLP starts with FULLY_CONNECTED") }
        k.weights.bits = 2
        integer.ops[0].kernel = .fullyConnected(k)
        XCTAssertThrowsError(try CExporter(windowed: integer).export()) { error in
            XCTAssertEqual(error as? CExportError, .unsupported(op: integer.ops[0].name, reason: "int2 weights (the C kernels take int8 and int4)"))
        }
    }
}
