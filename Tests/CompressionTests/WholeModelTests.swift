import Graph
import Models
import TinyTensor
import XCTest
@testable import Compression

/// Every family's integer graph against its float graph on the same windows, and Mamba's
/// streaming integer graph against its windowed one.
final class WholeModelTests: XCTestCase {
    private let shape = ModelShape(steps: 20, features: 11, classes: 9)

    /// Windows shaped like the real input: RSSI scaled to 0…1, heard-rates 0…1, accelerometer ±1.
    private func windows(_ count: Int, seed: UInt64) -> [[Float]] {
        var rng = TestLCG(seed: seed)
        return (0..<count).map { _ in (0..<(shape.steps * shape.features)).map { i in
            i % shape.features < 8 ? rng.uniform(0, 1) : rng.uniform(-1, 1)
        } }
    }

    /// Random trained-looking weights: initial weights moved by ±0.2 so norms and gates are not at identity.
    private func model(_ kind: ModelKind) -> ClassifierModel {
        var config = ModelConfig(kind: kind)
        // The teacher's kernels are the same at any width; a narrow one keeps the debug build quick.
        if kind == .teacher { config.teacher = TeacherConfig(width: 16) }
        let model = config.build(shape: shape, seed: 11)
        var rng = SeededRNG(seed: 12)
        for p in model.parameters { for i in 0..<p.count { p.value[i] += (rng.uniform() * 2 - 1) * 0.2 } }
        return model
    }

    func testIntegerLogitsTrackFloatForEveryFamily() throws {
        try checkEveryFamily(PrecisionPlan(), minimumSQNR: 20)
    }

    /// int16 activations everywhere (and a 32-bit Mamba state): every kernel's wide path, no
    /// overflow (a debug build traps on one), and closer to float than int8.
    func testInt16ActivationsRunInEveryKernel() throws {
        try checkEveryFamily(PrecisionPlan(activations: .int16, stateBits: 32), minimumSQNR: 30)
    }

    private func checkEveryFamily(_ plan: PrecisionPlan, minimumSQNR: Double) throws {
        let calibration = windows(64, seed: 1), test = windows(40, seed: 2)
        for kind in [ModelKind.mlp, .cnn, .lstm, .student, .studentTiny, .mamba, .mambaWide, .teacher] {
            let float = try XCTUnwrap(model(kind).lowered(.windowed))
            let integer = try GraphQuantizer(calibration: Calibration(graph: float, windows: calibration), plan: plan).quantize(float)
            let reference = try FloatInterpreter(float), engine = IntegerInterpreter(integer)
            var signal: [Float] = [], approximation: [Float] = []
            var agree = 0
            for window in test {
                let expected = reference.run(window)
                let got = engine.dequantize(engine.run(engine.quantizeInput(window)), tensor: integer.output.name)
                signal += expected
                approximation += got
                if expected.indices.max(by: { expected[$0] < expected[$1] }) == got.indices.max(by: { got[$0] < got[$1] }) { agree += 1 }
            }
            let sqnr = signalToQuantizationNoiseRatio(signal: signal, approximation: approximation)
            // 20 dB: the logits' noise is a tenth of their amplitude; far below it a chain of int8 ops has a broken kernel.
            XCTAssertGreaterThan(sqnr, minimumSQNR, "\(kind): logits SQNR \(sqnr) dB")
            XCTAssertGreaterThanOrEqual(agree, 30, "\(kind): the integer model picks the float model's room in \(agree)/40 windows")
            XCTAssertTrue(integer.floatIslands.isEmpty)
        }
    }

    func testMambaStreamingIntegerEqualsWindowedIntegerBitForBit() throws {
        for pooling in MambaConfig.Pooling.allCases {
            var config = ModelConfig(kind: .mamba)
            config.mamba = MambaConfig(pooling: pooling)
            let model = config.build(shape: shape, seed: 5)
            let windowed = try XCTUnwrap(model.lowered(.windowed)), streaming = try XCTUnwrap(model.lowered(.streaming))
            let quantizer = GraphQuantizer(calibration: try Calibration(graph: windowed, windows: windows(32, seed: 3)))
            let whole = IntegerInterpreter(try quantizer.quantize(windowed))
            let stream = IntegerInterpreter(try quantizer.quantize(streaming))
            for window in windows(5, seed: 4) {
                stream.reset()
                var last: [Int32] = []
                for t in 0..<shape.steps {
                    last = stream.run(stream.quantizeInput(Array(window[(t * shape.features)..<((t + 1) * shape.features)])))
                }
                XCTAssertEqual(last, whole.run(whole.quantizeInput(window)), "\(pooling)")
            }
        }
    }
}
