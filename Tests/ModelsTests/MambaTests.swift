import Foundation
import TinyNN
import TinyTensor
import XCTest
import Graph
@testable import Models

final class MambaTests: XCTestCase {
    private let shape = ModelShape(steps: 20, features: 11, classes: 9)

    private func randomWindows(_ rows: Int, steps: Int, features: Int, seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        let x = Tensor([rows, steps, features])
        for i in 0..<x.count { x[i] = rng.normal() }
        return x
    }

    func testParameterCountsMatchHandComputation() {
        // mamba: d 16, E 32, N 8, R 1, k 4, F 11, C 9.
        // embed 11·16 + 16; per block: norm 16, in_proj 16·64, conv 4·32 + 32, x_proj 32·(1 + 2·8),
        // dt_proj 1·32 + 32, A_log 32·8, D 32, out_proj 32·16; final norm 16; head 16·9 + 9.
        let block = 16 + 16 * 64 + (4 * 32 + 32) + 32 * 17 + (32 + 32) + 32 * 8 + 32 + 32 * 16
        XCTAssertEqual(block, 2_608)
        let mamba = ModelConfig(kind: .mamba).build(shape: shape, seed: 1)
        XCTAssertEqual(mamba.parameterCount, (11 * 16 + 16) + 2 * block + 16 + (16 * 9 + 9))
        XCTAssertEqual(mamba.parameterCount, 5_577)
        // mamba-wide: d 32, E 64, N 16, R 2.
        let wideBlock = 32 + 32 * 128 + (4 * 64 + 64) + 64 * 34 + (2 * 64 + 64) + 64 * 16 + 64 + 64 * 32
        XCTAssertEqual(wideBlock, 9_952)
        let wide = ModelConfig(kind: .mambaWide).build(shape: shape, seed: 1)
        XCTAssertEqual(wide.parameterCount, (11 * 32 + 32) + 2 * wideBlock + 32 + (32 * 9 + 9))
        XCTAssertEqual(wide.parameterCount, 20_617)
        XCTAssertEqual(wide.kind, .mambaWide)
    }

    func testInitialisationFollowsTheReference() {
        let model = Mamba(shape: shape, seed: 2)
        let block = model.blocks[0]
        // A_log[e, n] = log(n + 1), D = 1, softplus(dt bias) in [0.001, 0.1].
        XCTAssertEqual(block.scan.aLog.value[8 + 3], logf(4), accuracy: 1e-6)
        XCTAssertEqual(block.scan.d.value.array, [Float](repeating: 1, count: 32))
        for i in 0..<block.dtProj.bias.count {
            let dt = Softplus.apply(block.dtProj.bias.value[i])
            XCTAssertGreaterThanOrEqual(dt, 0.001 * 0.999)
            XCTAssertLessThanOrEqual(dt, 0.1 * 1.001)
        }
    }

    func testWholeModelGradientAgainstFiniteDifferences() {
        let small = ModelShape(steps: 5, features: 3, classes: 4)
        for pooling in MambaConfig.Pooling.allCases {
            let config = MambaConfig(width: 4, stateSize: 3, expand: 2, convKernel: 3, blocks: 2, pooling: pooling)
            let model = Mamba(shape: small, config: config, seed: 3)
            // Larger Δ than the initial 0.001–0.1, so the decay terms matter in the check.
            for block in model.blocks { for i in 0..<block.dtProj.bias.count { block.dtProj.bias.value[i] = 0.3 } }
            let rows = 3
            let x = randomWindows(rows, steps: 5, features: 3, seed: 4)
            let labels = [0, 3, 2]
            let loss = SoftmaxCrossEntropy(classes: 4)
            for p in model.parameters { p.grad.zero() }
            _ = loss.forward(model.forward(x, rows: rows, training: true), labels: labels, rows: rows)
            model.backward(loss.backward(rows: rows), rows: rows)
            for p in model.parameters {
                // Every element of small tensors, an even spread of 12 in larger ones (keeps the test fast).
                let indices = p.count <= 12 ? nil : (0..<12).map { $0 * p.count / 12 }
                let result = GradientCheck.compare(values: p.value, analytic: p.grad, step: 2e-3, indices: indices) {
                    Double(loss.forward(model.forward(x, rows: rows, training: true), labels: labels, rows: rows))
                }
                XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(pooling) \(p.name): \(result)")
            }
        }
    }

    func testStreamingEqualsWindowedForward() {
        for (kind, pooling) in [(ModelKind.mamba, MambaConfig.Pooling.mean), (.mamba, .last), (.mambaWide, .mean)] {
            var config = kind == .mamba ? MambaConfig.mamba : .wide
            config.pooling = pooling
            let model = Mamba(kind: kind, shape: shape, config: config, seed: 5)
            // Trained-looking Δ (not the tiny initial ones), so the state carries real history.
            for block in model.blocks { for i in 0..<block.dtProj.bias.count { block.dtProj.bias.value[i] = 0.5 } }
            let rows = 3
            let x = randomWindows(rows, steps: shape.steps, features: shape.features, seed: 6)
            let windowed = model.forward(x, rows: rows, training: false).array
            let stream = MambaStream(model)
            for w in 0..<rows {
                stream.reset()
                for t in 0..<shape.steps { stream.step(x.data + (w * shape.steps + t) * shape.features) }
                let streamed = stream.logits()
                for c in 0..<shape.classes {
                    XCTAssertEqual(streamed[c], windowed[w * shape.classes + c], accuracy: 1e-5, "\(kind) \(pooling) window \(w)")
                }
            }
        }
    }

    func testStreamingStateDoesNotGrowWithTheWindow() {
        let short = MambaStream(Mamba(shape: ModelShape(steps: 5, features: 11, classes: 9), seed: 1))
        let long = MambaStream(Mamba(shape: ModelShape(steps: 200, features: 11, classes: 9), seed: 1))
        // Per block h 32·8 + conv history 3·32, plus the pooled sum 16.
        XCTAssertEqual(short.stateElements, 2 * (32 * 8 + 3 * 32) + 16)
        XCTAssertEqual(long.stateElements, short.stateElements)
        for steps in [5, 20, 200] {
            let model = Mamba(shape: ModelShape(steps: steps, features: 11, classes: 9), seed: 1)
            let graph = model.lowered(.streaming)!
            XCTAssertEqual(graph.tensors.map(\.elements), Mamba(shape: shape, seed: 1).lowered(.streaming)!.tensors.map(\.elements))
            XCTAssertEqual(graph.tensors.filter { $0.role == .persistent }.reduce(0) { $0 + $1.elements }, 2 * (32 * 8 + 3 * 32) + 16)
        }
    }

    func testGraphDescribesTheWindowedModel() {
        let model = Mamba(shape: shape, seed: 1)
        let graph = model.lowered(.windowed)!
        XCTAssertEqual(graph.layers, ["embed", "block0", "block1", "head"])
        XCTAssertEqual(graph.tensor("block0.in_proj.out")?.elements, 20 * 64)
        XCTAssertFalse(graph.tensors.contains { $0.role == .persistent })
        XCTAssertEqual(graph.tensors.last?.role, .output)
        // Every input an op reads is written earlier or is the graph input.
        var written: Set<String> = ["input"]
        for op in graph.ops {
            for operand in op.inputs { XCTAssertTrue(written.contains(operand.tensor), "\(op.name) reads \(operand.tensor) before it is written") }
            written.formUnion(op.outputs)
        }
        let last = Mamba(shape: shape, config: MambaConfig(pooling: .last), seed: 1).lowered(.streaming)!
        XCTAssertEqual(last.tensors.filter { $0.role == .persistent }.reduce(0) { $0 + $1.elements }, 2 * (32 * 8 + 3 * 32))
    }

    func testOldModelConfigDecodesAndPresetsApply() throws {
        let old = try JSONDecoder().decode(ModelConfig.self, from: Data(#"{"kind":"mamba-wide","mlp":{"hidden":64,"dropout":0}}"#.utf8))
        XCTAssertNil(old.mamba)
        XCTAssertEqual((old.build(shape: shape, seed: 1) as? Mamba)?.config, .wide)
        let partial = try JSONDecoder().decode(MambaConfig.self, from: Data(#"{"pooling":"last"}"#.utf8))
        XCTAssertEqual(partial, MambaConfig(pooling: .last))
    }

    func testTrainingStepIsDeterministic() {
        func step() -> [Float] {
            // 11 windows: two scan chunks, one partial.
            let model = Mamba(shape: ModelShape(steps: 6, features: 11, classes: 9), seed: 7)
            let adam = Adam(parameters: model.parameters)
            let loss = SoftmaxCrossEntropy(classes: 9)
            let x = randomWindows(11, steps: 6, features: 11, seed: 8)
            for _ in 0..<2 {
                adam.zeroGradients()
                _ = loss.forward(model.forward(x, rows: 11, training: true), labels: (0..<11).map { $0 % 9 }, rows: 11)
                model.backward(loss.backward(rows: 11), rows: 11)
                adam.update()
            }
            return model.parameters.flatMap { $0.value.array }
        }
        XCTAssertEqual(step(), step())
    }
}
