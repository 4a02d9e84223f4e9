import Compression
import Foundation
import Graph
import Models
import XCTest
@testable import Deploy

/// The .tflite writer against TensorFlow Lite Micro's own results, saved in `TFLiteFixtures`
/// by bench/tflite/check.py (TFLM's Python runtime on real SPHERE windows).
final class TFLiteTests: XCTestCase {
    private static let shape = ModelShape(steps: 20, features: 11, classes: 9)

    /// The fixture models: seeded weights moved ±0.2 off their initialisation, and 16 seeded
    /// calibration windows, so a test rebuilds the very graph (and file) the fixture was made from.
    static func fixtureModel(_ kind: ModelKind) throws -> (float: Graph, calibration: [[Float]]) {
        let model = ModelConfig(kind: kind).build(shape: shape, seed: 21)
        var state: UInt64 = 22
        func uniform(_ low: Float, _ high: Float) -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return low + (high - low) * Float(state >> 40) / Float(1 << 24)
        }
        for p in model.parameters { for i in 0..<p.count { p.value[i] += uniform(-0.2, 0.2) } }
        let calibration = (0..<16).map { _ in
            (0..<(shape.steps * shape.features)).map { i in i % shape.features < 8 ? uniform(0, 1) : uniform(-1, 1) }
        }
        return (try XCTUnwrap(model.lowered(.windowed)), calibration)
    }

    /// The fixture model's integer graph. The mlp takes its window as T×F and flattens it in its
    /// first layer, so the file has the RESHAPE a converted Keras Flatten has (the graph of the
    /// planner's TFLM anchor).
    static func fixtureGraph(_ kind: ModelKind) throws -> IntegerGraph {
        let (float, calibration) = try fixtureModel(kind)
        var graph = try GraphQuantizer(calibration: try Calibration(graph: float, windows: calibration)).quantize(float)
        if kind == .mlp, let input = graph.tensors.firstIndex(where: { $0.role == .input }), case .fullyConnected(var first) = graph.ops[0].kernel {
            graph.tensors[input].rows = shape.steps
            graph.tensors[input].columns = shape.features
            first.flatten = true
            graph.ops[0].kernel = .fullyConnected(first)
        }
        return graph
    }

    /// The student fixtures: the fixture model decomposed into TFLite Micro builtins and calibrated
    /// on the same windows.
    static func fixtureProgram(_ kind: ModelKind) throws -> TFLiteProgram {
        let (float, calibration) = try fixtureModel(kind)
        return try TFLiteDecomposition.program(float).quantized(calibration: calibration)
    }

    /// FNV-1a, 64 bits: bench/tflite/check.py records it of the file TFLM ran.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    /// Set TINYLOC_TFLITE_FIXTURE_DIR to write the fixture models for bench/tflite/check.py.
    func testWriteFixtureModelsWhenAsked() throws {
        guard let dir = ProcessInfo.processInfo.environment["TINYLOC_TFLITE_FIXTURE_DIR"] else {
            throw XCTSkip("TINYLOC_TFLITE_FIXTURE_DIR not set: nothing to write")
        }
        for (name, kind) in [("mlp", ModelKind.mlp), ("cnn", .cnn)] {
            let bytes = try TFLiteWriter(graph: try Self.fixtureGraph(kind)).write()
            try Data(bytes).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(name).tflite"), options: .atomic)
        }
        for (name, kind) in [("student-tiny", ModelKind.studentTiny), ("student", .student)] {
            let bytes = try TFLiteProgramWriter(program: try Self.fixtureProgram(kind)).write()
            try Data(bytes).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(name).tflite"), options: .atomic)
        }
    }
}

extension TFLiteTests {
    static func decodeHex(_ text: String) -> [Int32] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { i in
            Int32(Int8(bitPattern: UInt8(String(decoding: digits[i..<(i + 2)], as: UTF8.self), radix: 16)!))
        }
    }

    /// The writer still writes, byte for byte, the files TFLM ran for the fixture.
    func testWriterReproducesTheFilesTFLMRan() throws {
        for (kind, fixture) in [(ModelKind.mlp, TFLiteFixtures.mlp), (.cnn, TFLiteFixtures.cnn)] {
            let bytes = try TFLiteWriter(graph: try Self.fixtureGraph(kind)).write()
            XCTAssertEqual(bytes.count, fixture.fileBytes, "\(kind)")
            XCTAssertEqual(Self.fnv1a(bytes), fixture.fnv1a, "\(kind): the .tflite differs from the one in the fixture; rerun bench/tflite/check.py fixture")
        }
    }

    /// tinyloc's integer engine on the graph the file was written from gives TFLM's scores within
    /// ±1 LSB on the fixture's real SPHERE windows (TFLM derives its multipliers from the float32
    /// scales in the file, tinyloc from the same scales in double: a requantization can land one
    /// code apart).
    func testEngineEqualsTFLMWithinOneLSBOnRealWindows() throws {
        for (kind, fixture) in [(ModelKind.mlp, TFLiteFixtures.mlp), (.cnn, TFLiteFixtures.cnn)] {
            let engine = IntegerInterpreter(try Self.fixtureGraph(kind))
            XCTAssertEqual(fixture.inputs.count, 48)
            var worst: Int32 = 0, exact = 0
            for (input, scores) in zip(fixture.inputs, fixture.scores) {
                let got = engine.run(Self.decodeHex(input)), expected = Self.decodeHex(scores)
                XCTAssertEqual(got.count, expected.count)
                let difference = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                worst = max(worst, difference)
                if difference == 0 { exact += 1 }
            }
            XCTAssertLessThanOrEqual(worst, 1, "\(kind): tinyloc and TFLM differ by \(worst) LSB")
            // The comparison bites: most windows agree exactly, none by chance of a ±1 tolerance.
            XCTAssertGreaterThan(exact, fixture.inputs.count / 2, "\(kind): only \(exact) windows equal")
        }
    }

    /// tinyloc's planned arena against TFLM's smallest working arena for the same file: the
    /// issue's target is ≤ 0.25×.
    func testPlannedArenaIsAQuarterOfTFLMsAtMost() throws {
        for (kind, fixture) in [(ModelKind.mlp, TFLiteFixtures.mlp), (.cnn, TFLiteFixtures.cnn)] {
            let planned = try RAMReport(integer: try Self.fixtureGraph(kind)).arenaBytes
            XCTAssertLessThanOrEqual(Double(planned), 0.25 * Double(fixture.smallestArena), "\(kind): \(planned) B vs TFLM \(fixture.smallestArena) B")
        }
    }

    /// Hand-laid: root uoffset 16, "TEST"; 2 bytes of padding so the table lands at a multiple of 4;
    /// vtable at 10: [6 B, table 8 B, field 0 at +4]; table at 16: soffset 16 − 10 = 6, then 7.
    func testFlatBufferTableWithAScalarByHand() throws {
        let bytes = try FlatBufferSerializer.serialize(root: .table([.int32(7)]), identifier: "TEST")
        XCTAssertEqual(bytes, [16, 0, 0, 0, 0x54, 0x45, 0x53, 0x54, 0, 0, 6, 0, 8, 0, 4, 0, 6, 0, 0, 0, 7, 0, 0, 0])
    }

    /// As above with a string field: its uoffset at 20 points 4 bytes on, to [count 2, "ab", NUL] at 24.
    func testFlatBufferChildrenPointForwardByHand() throws {
        let string = try FlatBufferSerializer.serialize(root: .table([.child(.string("ab"))]), identifier: "TEST")
        XCTAssertEqual(string, [16, 0, 0, 0, 0x54, 0x45, 0x53, 0x54, 0, 0, 6, 0, 8, 0, 4, 0, 6, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0x61, 0x62, 0])
        // An absent field: vtable at 8 (no padding needed) [8 B, table 8 B, field 0 absent (0),
        // field 1 at +4]; table at 16 (soffset 8). int64 elements sit at a multiple of 8 with the
        // count just before: after the table (ends at 24) the count goes to 28, so the uoffset at 20 is 8.
        let vector = try FlatBufferSerializer.serialize(root: .table([nil, .child(.int64s([-1]))]), identifier: "TEST")
        XCTAssertEqual(vector, [16, 0, 0, 0, 0x54, 0x45, 0x53, 0x54, 8, 0, 8, 0, 0, 0, 4, 0, 8, 0, 0, 0, 8, 0, 0, 0,
                                0, 0, 0, 0, 1, 0, 0, 0] + [UInt8](repeating: 0xff, count: 8))
    }

    func testStudentIsRefusedNamingItsOps() throws {
        let graph = try Self.fixtureGraph(.student)
        XCTAssertThrowsError(try TFLiteWriter(graph: graph).write()) { error in
            let text = "\(error)"
            for expected in ["LAYER_NORM (block0.ln1, block0.ln2", "ATTENTION (block0.attn, block1.attn)", "ADD_CONST (pos)", "export it as C"] {
                XCTAssertTrue(text.contains(expected), "\(text) names \(expected)")
            }
        }
    }

    func testInt16ActivationsAndInt4WeightsAreRefusedByOp() throws {
        var wide = try Self.fixtureGraph(.mlp)
        wide.tensors[1].quantization = TensorQuantization(scale: 0.01, zeroPoint: 0, bits: 16)
        XCTAssertThrowsError(try TFLiteWriter(graph: wide).write()) { XCTAssertTrue("\($0)".contains("op fc1: tensor fc1.out is int16"), "\($0)") }
        var narrow = try Self.fixtureGraph(.mlp)
        if case .fullyConnected(var k) = narrow.ops[1].kernel {
            k.weights.bits = 4
            narrow.ops[1].kernel = .fullyConnected(k)
        }
        XCTAssertThrowsError(try TFLiteWriter(graph: narrow).write()) { XCTAssertTrue("\($0)".contains("op fc2: int4 weights"), "\($0)") }
    }
}
