import XCTest
import Graph
import TinyTensor
@testable import Models

/// Every family's lowering, run by the float graph interpreter, equals the model's own forward.
final class LoweringTests: XCTestCase {
    private let shape = ModelShape(steps: 20, features: 11, classes: 9)

    /// Moves every parameter off its initial value (LayerNorm γ = 1, β = 0 would hide a swap).
    private func perturb(_ model: ClassifierModel, seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        for p in model.parameters {
            for i in 0..<p.count { p.value[i] += (rng.uniform() * 2 - 1) * 0.1 }
        }
    }

    private func window(seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        return (0..<(shape.steps * shape.features)).map { _ in rng.uniform() * 2 - 0.5 }
    }

    private func checkWindowed(_ kind: ModelKind, config: ModelConfig? = nil, shape: ModelShape? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let shape = shape ?? self.shape
        let model = (config ?? ModelConfig(kind: kind)).build(shape: shape, seed: 7)
        perturb(model, seed: 8)
        let graph = try XCTUnwrap(model.lowered(.windowed), "\(kind) has no windowed graph", file: file, line: line)
        // Every parameter once (the teacher's fixed sinusoidal tables are constants, not parameters).
        let stored = graph.weights.filter { !$0.name.hasSuffix(".pe") }.reduce(0) { $0 + $1.values.count }
        XCTAssertEqual(stored, model.parameterCount, "\(kind): the graph holds every parameter once", file: file, line: line)
        let interpreter = try FloatInterpreter(graph)
        for seed in 1...3 as ClosedRange<UInt64> {
            var rng = SeededRNG(seed: seed)
            let x = (0..<(shape.steps * shape.features)).map { _ in rng.uniform() * 2 - 0.5 }
            let expected = model.forward(Tensor([1, shape.steps, shape.features], values: x), rows: 1, training: false).array
            let got = interpreter.run(x)
            XCTAssertEqual(got.count, shape.classes, file: file, line: line)
            for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(kind)", file: file, line: line) }
        }
    }

    func testMLPGraphEqualsForward() throws { try checkWindowed(.mlp) }
    func testCNNGraphEqualsForward() throws { try checkWindowed(.cnn) }
    func testLSTMGraphEqualsForward() throws { try checkWindowed(.lstm) }
    func testStudentGraphEqualsForward() throws { try checkWindowed(.student) }
    func testStudentTinyGraphEqualsForward() throws { try checkWindowed(.studentTiny) }
    func testMambaGraphEqualsForward() throws { try checkWindowed(.mamba) }
    func testMambaWideGraphEqualsForward() throws { try checkWindowed(.mambaWide) }
    func testTeacherGraphEqualsForward() throws { try checkWindowed(.teacher) }

    /// Three features are all RSSI (no accelerometer): one modality, no GRN context; two branches.
    func testOneModalityTeacherGraphEqualsForward() throws {
        var config = ModelConfig(kind: .teacher)
        config.teacher = TeacherConfig(width: 8, kernels: [1, 3])
        try checkWindowed(.teacher, config: config, shape: ModelShape(steps: 6, features: 3, classes: 4))
    }

    func testACRFTeacherHasNoWindowGraph() {
        var config = ModelConfig(kind: .teacher)
        config.addCRF()
        XCTAssertNil(config.build(shape: shape, seed: 1).lowered(.windowed))
    }

    func testMambaStreamingGraphAfterTStepsEqualsForward() throws {
        for pooling in MambaConfig.Pooling.allCases {
            var config = ModelConfig(kind: .mamba)
            config.mamba = MambaConfig(pooling: pooling)
            let model = config.build(shape: shape, seed: 3)
            perturb(model, seed: 4)
            let stream = try FloatInterpreter(XCTUnwrap(model.lowered(.streaming)))
            let x = window(seed: 5)
            var logits: [Float] = []
            for t in 0..<shape.steps { logits = stream.run(Array(x[(t * shape.features)..<((t + 1) * shape.features)])) }
            let expected = model.forward(Tensor([1, shape.steps, shape.features], values: x), rows: 1, training: false).array
            for (a, b) in zip(logits, expected) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(pooling)") }
        }
    }

    func testFamiliesWithoutAStreamingFormSayNil() {
        for kind in [ModelKind.mlp, .cnn, .lstm, .student, .teacher] {
            XCTAssertNil(ModelConfig(kind: kind).build(shape: shape, seed: 1).lowered(.streaming), "\(kind)")
        }
    }
}
