import Compression
import Foundation
import Graph
import Models
import XCTest
@testable import Deploy

/// The student transformers decomposed into TFLite Micro builtins: the decomposition against the
/// float graph's own definition, tinyloc's int8 reference against TFLM's outputs saved in
/// `TFLiteFixtures` (real SPHERE windows), the writer against the exact files TFLM ran, and the
/// fixed-point pieces against hand derivations.
final class TFLiteStudentTests: XCTestCase {
    private static let students: [(ModelKind, TFLiteFixtures.Model)] = [(.studentTiny, TFLiteFixtures.studentTiny), (.student, TFLiteFixtures.student)]

    /// The decomposed program in float computes what `FloatInterpreter` computes for the student's
    /// graph (γ, β folded into the dense layers, 1/√dₕ into Q, the packed QKV split in three).
    func testDecomposedFloatProgramEqualsTheGraph() throws {
        for kind in [ModelKind.studentTiny, .student] {
            let model = ModelConfig(kind: kind).build(shape: ModelShape(steps: 6, features: 5, classes: 4), seed: 3)
            let graph = try XCTUnwrap(model.lowered(.windowed))
            let program = try TFLiteDecomposition.program(graph)
            let interpreter = try FloatInterpreter(graph)
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<3 {
                let window = (0..<30).map { _ in Float.random(in: -2...2, using: &rng) }
                let expected = interpreter.run(window), got = program.runFloat(window)
                XCTAssertEqual(got.count, expected.count)
                for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(kind)") }
            }
            XCTAssertTrue(program.steps.contains { $0.builtin == "RSQRT" } && program.steps.contains { $0.builtin == "BATCH_MATMUL" })
        }
    }

    /// tinyloc's reference of TFLite's int8 arithmetic gives TFLM's scores on the fixture's real
    /// SPHERE windows within ±1 LSB, most of them exactly.
    func testReferenceEqualsTFLMWithinOneLSBOnRealWindows() throws {
        for (kind, fixture) in Self.students {
            let reference = TFLiteReference(try TFLiteTests.fixtureProgram(kind))
            XCTAssertEqual(fixture.inputs.count, 48)
            var worst: Int32 = 0, exact = 0
            for (input, scores) in zip(fixture.inputs, fixture.scores) {
                let got = reference.run(TFLiteTests.decodeHex(input)), expected = TFLiteTests.decodeHex(scores)
                XCTAssertEqual(got.count, expected.count)
                let difference = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                worst = max(worst, difference)
                if difference == 0 { exact += 1 }
            }
            XCTAssertLessThanOrEqual(worst, 1, "\(kind): tinyloc's reference and TFLM differ by \(worst) LSB")
            XCTAssertGreaterThan(exact, fixture.inputs.count / 2, "\(kind): only \(exact) windows equal")
        }
    }

    /// The writer still writes, byte for byte, the files TFLM ran for the fixture.
    func testWriterReproducesTheFilesTFLMRan() throws {
        for (kind, fixture) in Self.students {
            let bytes = try TFLiteProgramWriter(program: try TFLiteTests.fixtureProgram(kind)).write()
            XCTAssertEqual(bytes.count, fixture.fileBytes, "\(kind)")
            XCTAssertEqual(TFLiteTests.fnv1a(bytes), fixture.fnv1a, "\(kind): the .tflite differs from the one in the fixture; rerun bench/tflite/check.py fixture")
        }
    }

    /// tinyloc's planned arena for its own integer graph of the same model against TFLM's smallest
    /// working arena for the decomposed file: the target is ≤ 0.25×.
    func testPlannedArenaIsAQuarterOfTFLMsAtMost() throws {
        for (kind, fixture) in Self.students {
            let planned = try RAMReport(integer: try TFLiteTests.fixtureGraph(kind)).arenaBytes
            XCTAssertLessThanOrEqual(Double(planned), 0.25 * Double(fixture.smallestArena), "\(kind): \(planned) B vs TFLM \(fixture.smallestArena) B")
        }
    }

    /// Four equal inputs: each exp is One (2^31 − 1), each adds round(One / 2^12) = 2^19 to the sum,
    /// so the sum is 2^21: 10 leading zeros, 2 bits over unit, 1/(1 + 0) ≈ One; the output is
    /// One·One / 2^(2 + 31 − 8) = 64, i.e. 64/256 = ¼, code 64 − 128 = −64.
    func testSoftmaxOfEqualInputsIsAQuarterByHand() {
        let softmax = GemmlowpSoftmax(inputScale: 0.1)
        XCTAssertEqual(softmax.run([5, 5, 5, 5], depth: 4), [-64, -64, -64, -64])
        // One input far below the others (beyond diff_min) contributes nothing and gets −128.
        XCTAssertEqual(softmax.run([127, -128], depth: 2).first, 127)
    }

    /// 1/√4 = ½ and 1/√16 = ¼: the Newton–Raphson result as significand · 2^(shift − 31).
    func testInverseSquareRootByHand() {
        for (value, expected) in [(Int32(4), 0.5), (16, 0.25), (1 << 20, 1.0 / 1024)] {
            let (significand, shift) = Gemmlowp.invSqrt(value)
            let real = Double(significand) * pow(2, Double(shift - 31))
            XCTAssertEqual(real, expected, accuracy: expected * 1e-5, "1/√\(value)")
        }
    }

    /// e^0 = One; e^−1 in Q5.26 (raw −2^26) is 0.367879… in Q0.31.
    func testFixedPointExpByHand() {
        XCTAssertEqual(Gemmlowp.expOnNegativeValues(0, integerBits: 5), Int32.max)
        let e = Double(Gemmlowp.expOnNegativeValues(-(1 << 26), integerBits: 5)) / pow(2, 31)
        XCTAssertEqual(e, exp(-1), accuracy: 1e-6)
    }

    /// The GELU table: code c of the input means s·(c − z); entry c + 128 is that value's GELU
    /// quantized at the output (by hand: x = 0 → 0 → the output zero point; x = 1 → 0.841345 → 84).
    func testGELUTableByHand() {
        let input = TensorQuantization(scale: 0.01, zeroPoint: 0, bits: 8), output = TensorQuantization(scale: 0.01, zeroPoint: -10, bits: 8)
        let table = TFLiteReference.geluTable(input: input, output: output)
        XCTAssertEqual(table.count, 256)
        XCTAssertEqual(table[128], -10)
        XCTAssertEqual(table[128 + 100], 84 - 10)
    }

    func testFamiliesWithoutADecompositionAreRefusedByOp() throws {
        let shape = ModelShape(steps: 6, features: 5, classes: 4)
        let lstm = try XCTUnwrap(ModelConfig(kind: .lstm).build(shape: shape, seed: 1).lowered(.windowed))
        XCTAssertThrowsError(try TFLiteDecomposition.program(lstm)) { XCTAssertTrue("\($0)".contains("LSTM has no decomposition"), "\($0)") }
        let mamba = try XCTUnwrap(ModelConfig(kind: .mamba).build(shape: shape, seed: 1).lowered(.windowed))
        XCTAssertThrowsError(try TFLiteDecomposition.program(mamba)) { XCTAssertTrue("\($0)".contains("has no decomposition"), "\($0)") }
        XCTAssertTrue(TFLiteDecomposition.covers(try TFLiteTests.fixtureGraph(.studentTiny)))
        XCTAssertFalse(TFLiteDecomposition.covers(try TFLiteTests.fixtureGraph(.mamba)))
    }
}
