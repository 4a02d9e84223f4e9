import Foundation
import Graph
import XCTest
@testable import Compression

final class PrecisionPlanTests: XCTestCase {
    /// input [2, 6] → fc1 (ReLU) [2, 5] → fc2 [2, 3].
    private func graph() -> Graph {
        var rng = TestLCG(seed: 21)
        var g = Graph(name: "two-layer", mode: .windowed)
        let x = g.tensor("input", rows: 2, columns: 6, .input)
        let h = g.linear("fc1", layer: "fc1", x, rows: 2, weight: (0..<30).map { _ in rng.uniform(-1, 1) }, bias: [0.1, 0, -0.1, 0.2, 0],
                         inFeatures: 6, outFeatures: 5, relu: true)
        _ = g.linear("fc2", layer: "fc2", h, rows: 2, weight: (0..<15).map { _ in rng.uniform(-1, 1) }, bias: nil, inFeatures: 5,
                     outFeatures: 3, role: .output)
        return g
    }

    private func windows() -> [[Float]] {
        var rng = TestLCG(seed: 22)
        return (0..<40).map { _ in (0..<12).map { _ in rng.uniform(-1, 1) } }
    }

    func testAPartialPlanFileTakesTheDefaults() throws {
        let plan = try JSONDecoder().decode(PrecisionPlan.self, from: Data(#"{"layers": {"fc1": {"weights": "int4"}}}"#.utf8))
        XCTAssertEqual(plan.weights(of: "fc1"), .int4)
        XCTAssertEqual(plan.weights(of: "fc2"), .int8)
        XCTAssertEqual(plan.activations, .int8)
        XCTAssertEqual(plan.stateBits, 16)
        let back = try JSONDecoder().decode(PrecisionPlan.self, from: JSONEncoder().encode(plan))
        XCTAssertEqual(back, plan)
    }

    func testAPlanNamingWhatTheModelCannotRunIsRefusedByField() {
        let g = graph()
        let cases: [(PrecisionPlan, String)] = [
            (PrecisionPlan(layers: ["fc9": .init(weights: .int4)]), "layers.fc9"),
            (PrecisionPlan(stateBits: 24), "stateBits"),
        ]
        for (plan, field) in cases {
            XCTAssertThrowsError(try plan.validate(for: g)) { error in
                guard case .invalid(let named, _)? = error as? PlanError else { return XCTFail("\(error)") }
                XCTAssertEqual(named, field)
            }
        }
        XCTAssertNoThrow(try PrecisionPlan(weights: .int16).validate(for: g), "int16 weights run in FULLY_CONNECTED")
    }

    func testInt4WeightsPackTwoPerByteAndPerTensorScalesStoreOneMultiplier() {
        let q = SymmetricPerChannelWeights(weight: (0..<15).map { Float($0) - 7 }, inFeatures: 5, outFeatures: 3, bits: 4)
        XCTAssertEqual(q.storedBytes, 8, "15 values of 4 bits: 7.5 bytes, rounded up")
        XCTAssertTrue(q.values.allSatisfy { (-7...7).contains($0) })
        XCTAssertEqual(q.multiplierBytes, 3 * 8)
        let shared = SymmetricPerChannelWeights(weight: (0..<15).map { Float($0) - 7 }, inFeatures: 5, outFeatures: 3, bits: 4, perTensor: true)
        XCTAssertEqual(Set(shared.scales).count, 1)
        XCTAssertEqual(shared.scales[0], 7 / 7, "the largest |w| of the whole weight over qmax 7")
        XCTAssertEqual(shared.multiplierBytes, 8)
    }

    func testPlansChangeFlashAndFP16MakesADeclaredFloatIsland() throws {
        let g = graph()
        let calibration = try Calibration(graph: g, windows: windows())
        let int8 = try GraphQuantizer(calibration: calibration).quantize(g)
        let int4 = try GraphQuantizer(calibration: calibration, plan: PrecisionPlan(weights: .int4)).quantize(g)
        // fc1: 30 weights → 30 B at int8, 15 B at int4; fc2: 15 → 15 B and 8 B.
        XCTAssertEqual(int8.ops.map(\.kernel.flashBytes).reduce(0, +) - int4.ops.map(\.kernel.flashBytes).reduce(0, +), (30 - 15) + (15 - 8))
        XCTAssertTrue(int8.floatIslands.isEmpty)

        let island = try GraphQuantizer(calibration: calibration, plan: PrecisionPlan(layers: ["fc2": .init(weights: .fp16)])).quantize(g)
        XCTAssertEqual(island.floatIslands, ["fc2"])
        let engine = IntegerInterpreter(island), reference = try FloatInterpreter(g)
        var signal: [Float] = [], noise: [Float] = []
        for w in windows() {
            signal += reference.run(w)
            noise += engine.dequantize(engine.run(engine.quantizeInput(w)), tensor: "fc2.out")
        }
        XCTAssertGreaterThan(signalToQuantizationNoiseRatio(signal: signal, approximation: noise), 30)
    }
}
