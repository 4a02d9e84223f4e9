import Compression
import Foundation
import Models
import TinyNN
import TinyTensor
import XCTest
@testable import Sessions

/// Quantization-aware training: the fake-quantized weights are the integer model's weights, the
/// gradient the optimizer receives is the loss's gradient at those weights (straight-through), and
/// a fine-tune resumes from its checkpoint to the same result.
final class QuantizationAwareTrainingTests: XCTestCase {
    private let shape = ModelShape(steps: 3, features: 4, classes: 3)

    private func model() -> MLP { MLP(shape: shape, config: .init(hidden: 5), seed: 3) }

    /// Symmetric rounding written out from its definition (docs/QUANTIZATION.md): per output
    /// column c of an [in, out] weight, s = max|w| / (2^(bits−1) − 1), w ≈ s · clamp(round(w / s)),
    /// ties away from zero; per tensor, one s for all columns.
    private func handRounded(_ w: [Float], inFeatures: Int, outFeatures: Int, bits: Int, perTensor: Bool) -> [Float] {
        let qmax = Float((1 << (bits - 1)) - 1)
        var largest = (0..<outFeatures).map { c in (0..<inFeatures).map { abs(w[$0 * outFeatures + c]) }.max()! }
        if perTensor { largest = Array(repeating: largest.max()!, count: outFeatures) }
        return w.indices.map { i in
            let s = largest[i % outFeatures] / qmax
            return s * min(max((w[i] / s).rounded(.toNearestOrAwayFromZero), -qmax), qmax)
        }
    }

    func testProjectionHoldsThePlansRoundedWeightsAndRestoreGivesBackTheFloatOnes() throws {
        for (precision, granularity, bits) in [(PrecisionPlan.WeightPrecision.int4, PrecisionPlan.Granularity.perChannel, 4),
                                               (.int4, .perTensor, 4), (.int8, .perChannel, 8)] {
            let net = model()
            let graph = try XCTUnwrap(net.lowered(.windowed))
            let plan = PrecisionPlan(weights: precision, granularity: granularity)
            let projection = FakeQuantizedWeights(model: net, graph: graph, plan: plan)
            XCTAssertEqual(projection.matched, ["fc1.weight", "fc2.weight"])
            XCTAssertEqual(projection.unmatched, [])
            let floats = net.parameters.map(\.value.array)
            projection.project()
            let fc1 = net.parameters[0], fc2 = net.parameters[2]
            XCTAssertEqual(fc1.value.array, handRounded(floats[0], inFeatures: 12, outFeatures: 5, bits: bits,
                                                        perTensor: granularity == .perTensor))
            XCTAssertEqual(fc2.value.array, handRounded(floats[2], inFeatures: 5, outFeatures: 3, bits: bits,
                                                        perTensor: granularity == .perTensor))
            XCTAssertEqual(net.parameters[1].value.array, floats[1], "biases stay float (int32 on the chip)")
            XCTAssertNotEqual(fc1.value.array, floats[0])
            projection.restore()
            XCTAssertEqual(net.parameters.map(\.value.array), floats)
        }
    }

    func testAFloatLayerIsLeftAloneAndFP16IsHalfPrecision() throws {
        let net = model()
        let graph = try XCTUnwrap(net.lowered(.windowed))
        let plan = PrecisionPlan(layers: ["fc1": .init(weights: .float32), "fc2": .init(weights: .fp16)])
        let projection = FakeQuantizedWeights(model: net, graph: graph, plan: plan)
        XCTAssertEqual(projection.matched, ["fc2.weight"])
        let floats = net.parameters.map(\.value.array)
        projection.project()
        XCTAssertEqual(net.parameters[0].value.array, floats[0])
        XCTAssertEqual(net.parameters[2].value.array, floats[2].map { Float(Float16($0)) })
        projection.restore()
    }

    /// The straight-through estimator: the gradient accumulated under the projection is dL/dw at
    /// the rounded weights, checked by central differences of the loss there; restoring the float
    /// weights keeps that gradient for the optimizer.
    func testGradientUnderProjectionIsTheLossGradientAtTheRoundedWeights() throws {
        let net = model()
        let graph = try XCTUnwrap(net.lowered(.windowed))
        let projection = FakeQuantizedWeights(model: net, graph: graph, plan: PrecisionPlan(weights: .int4))
        var rng = SeededRNG(seed: 5)
        let rows = 4
        let x = Tensor([rows, shape.steps, shape.features])
        for i in 0..<x.count { x.buffer[i] = rng.normal() }
        let labels = [0, 2, 1, 2]
        let loss = SoftmaxCrossEntropy(classes: shape.classes)
        func lossAtCurrentWeights() -> Double {
            Double(loss.forward(net.forward(x, rows: rows, training: false), labels: labels, rows: rows))
        }
        for p in net.parameters { p.grad.buffer.update(repeating: 0) }
        let floats = net.parameters.map(\.value.array)
        projection.project()
        XCTAssertEqual(net.parameters[0].value.array, handRounded(floats[0], inFeatures: 12, outFeatures: 5, bits: 4, perTensor: false),
                       "the differences below are taken at the rounded weights")
        let logits = net.forward(x, rows: rows, training: true)
        _ = loss.forward(logits, labels: labels, rows: rows)
        net.backward(loss.backward(rows: rows), rows: rows)
        for p in [net.parameters[0], net.parameters[2]] {
            for i in stride(from: 0, to: p.count, by: 3) {
                let held = p.value.buffer[i], h: Float = 1e-3
                p.value.buffer[i] = held + h
                let up = lossAtCurrentWeights()
                p.value.buffer[i] = held - h
                let down = lossAtCurrentWeights()
                p.value.buffer[i] = held
                XCTAssertEqual(Double(p.grad.buffer[i]), (up - down) / Double(2 * h), accuracy: 1e-3, "\(p.name)[\(i)]")
            }
        }
        let gradients = net.parameters.map(\.grad.array)
        projection.restore()
        XCTAssertEqual(net.parameters.map(\.value.array), floats)
        XCTAssertEqual(net.parameters.map(\.grad.array), gradients)
    }

    /// A small trained session, fine-tuned under int4: interrupted after one epoch and run again, it
    /// ends where an uninterrupted fine-tune ends; other settings are refused while its checkpoint exists.
    func testFineTuneResumesToTheUninterruptedResultAndRefusesOtherSettings() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-qat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var config = SessionConfig(name: "qat")
        config.data.recordings = 3
        config.data.minutesPerRecording = 6
        config.training.epochs = 2
        let (session, _) = try Session.openOrCreate(root: root, config: config)
        try XCTUnwrap(try ExperimentRunner(session: session).run())
        let plan = PrecisionPlan(weights: .int4)
        let fineTune = QuantizationAwareTraining(epochs: 3, learningRate: 1e-3, patience: 10)

        let whole = try fineTune.run(PlanEvaluator(TrainedSession.open(session)), plan: plan, name: "whole")
        XCTAssertEqual(whole.qat?.epochs, 3)
        XCTAssertEqual(whole.plan, plan)

        let control = TrainingControl()
        let interrupted = try fineTune.run(PlanEvaluator(TrainedSession.open(session)), plan: plan, name: "resumed", control: control) { record in
            if record.epoch == 1 { control.stop() }
        }
        XCTAssertEqual(interrupted.qat?.epochs, 1)
        let resumed = try fineTune.run(PlanEvaluator(TrainedSession.open(session)), plan: plan, name: "resumed")
        XCTAssertEqual(resumed.qat?.epochs, 3)
        XCTAssertEqual(resumed.graph, whole.graph, "the resumed fine-tune holds other weights")
        XCTAssertEqual(resumed.validation, whole.validation)

        // The session's own model as the teacher (same data, split and windows by construction):
        // its soft targets change what the fine-tune learns.
        let taught = QuantizationAwareTraining(epochs: 3, learningRate: 1e-3, patience: 10,
                                               distillFrom: .init(session: session.folder.path, temperature: 2, alpha: 0.5))
        let distilled = try taught.run(PlanEvaluator(TrainedSession.open(session)), plan: plan, name: "distilled")
        XCTAssertEqual(distilled.qat?.distilledFrom, session.folder.path)
        XCTAssertNotEqual(distilled.graph, whole.graph)

        let other = QuantizationAwareTraining(epochs: 5, learningRate: 1e-3, patience: 10)
        XCTAssertThrowsError(try other.run(PlanEvaluator(TrainedSession.open(session)), plan: plan, name: "resumed")) { error in
            XCTAssertTrue("\(error)".contains("resumed.qat.ckpt"), "\(error)")
        }
    }
}
