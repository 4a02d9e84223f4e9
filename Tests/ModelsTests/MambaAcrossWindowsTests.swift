import Foundation
import TinyNN
import TinyTensor
import XCTest
@testable import Models

/// The Mamba that keeps its state across windows: segment training (TBPTT with burn-in) and the
/// stream that never resets.
final class MambaAcrossWindowsTests: XCTestCase {
    private let tiny = MambaConfig(width: 4, stateSize: 3, expand: 2, convKernel: 3, blocks: 2, pooling: .last)

    private func randomValues(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        return (0..<count).map { _ in rng.normal() }
    }

    func testSegmentLossGradientAgainstFiniteDifferences() {
        let model = Mamba(shape: ModelShape(steps: 5, features: 3, classes: 4), config: tiny, seed: 3)
        // Larger Δ than the initial 0.001–0.1, so the decays matter in the check.
        for block in model.blocks { for i in 0..<block.dtProj.bias.count { block.dtProj.bias.value[i] = 0.3 } }
        let segments = 2, steps = 12
        let x = Tensor([segments * steps, 3])
        _ = x.buffer.update(fromContentsOf: randomValues(x.count, seed: 4))
        // Readouts early, late and at the very end of each segment; the first segment's last row twice
        // weighted by a class weight, as the class-balanced loss does.
        let rows = [3, 7, 11, steps + 5, steps + 11], labels = [0, 3, 2, 1, 3]
        let weights: [Float] = [1, 0.5, 2, 1.5]
        let runner = MambaSegments(model)
        let loss = SoftmaxCrossEntropy(classes: 4)
        for p in model.parameters { p.grad.zero() }
        _ = loss.forward(runner.forward(x, segments: segments, steps: steps, readoutRows: rows), labels: labels, rows: rows.count,
                         classWeights: weights)
        runner.backward(loss.backward(rows: rows.count))
        for p in model.parameters {
            let indices = p.count <= 12 ? nil : (0..<12).map { $0 * p.count / 12 }
            let result = GradientCheck.compare(values: p.value, analytic: p.grad, step: 2e-3, indices: indices) {
                Double(loss.forward(runner.forward(x, segments: segments, steps: steps, readoutRows: rows), labels: labels,
                                    rows: rows.count, classWeights: weights))
            }
            XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(p.name): \(result)")
        }
    }

    func testStreamNeverResetsAndEqualsTheWholeSequenceAtOnce() {
        let steps = 60, features = 11, classes = 9
        let model = Mamba(shape: ModelShape(steps: 20, features: features, classes: classes), config: MambaConfig(pooling: .last), seed: 5)
        // Δ ≈ 0.05: slow decays, so the state remembers more than a window.
        for block in model.blocks { for i in 0..<block.dtProj.bias.count { block.dtProj.bias.value[i] = -3 } }
        let x = randomValues(steps * features, seed: 6)
        let ends = [19, 29, 39, 59]
        let stream = RecordingStream(steps: steps, features: features, x: x,
                                     readouts: ends.enumerated().map { RecordingStream.Readout(step: $1, window: $0, label: 0) })
        let streamed = model.streamedLogits(stream)
        // 1. The segment runner over the whole recording as one sequence.
        let whole = Tensor([steps, features])
        _ = whole.buffer.update(fromContentsOf: x)
        let segment = MambaSegments(model).forward(whole, segments: 1, steps: steps, readoutRows: ends).array
        // 2. An ordinary windowed Mamba of T = end + 1 with the same weights, pooling last: its window
        //    is the recording from its start, so its logits are those of the stream at that step.
        for (r, end) in ends.enumerated() {
            let windowed = Mamba(shape: ModelShape(steps: end + 1, features: features, classes: classes), config: model.config, seed: 9)
            for (target, source) in zip(windowed.parameters, model.parameters) { target.value.copy(from: source.value) }
            let prefix = Tensor([1, end + 1, features])
            _ = prefix.buffer.update(fromContentsOf: Array(x[0..<((end + 1) * features)]))
            let reference = windowed.forward(prefix, rows: 1, training: false).array
            for c in 0..<classes {
                XCTAssertEqual(streamed[r * classes + c], reference[c], accuracy: 1e-4, "readout \(r) class \(c)")
                XCTAssertEqual(segment[r * classes + c], reference[c], accuracy: 1e-4, "segment readout \(r) class \(c)")
            }
        }
        // The state really is carried: the last window alone (reset at its start) reads otherwise.
        let lastWindow = Tensor([1, 20, features])
        _ = lastWindow.buffer.update(fromContentsOf: Array(x[(40 * features)..<(60 * features)]))
        let reset = model.forward(lastWindow, rows: 1, training: false).array
        let difference = (0..<classes).map { abs(reset[$0] - streamed[3 * classes + $0]) }.max()!
        XCTAssertGreaterThan(difference, 1e-3)
    }

    func testSegmentsScoreEveryReadoutOnceAfterItsWarmUp() {
        func stream(steps: Int, firstEnd: Int = 19) -> RecordingStream {
            RecordingStream(steps: steps, features: 1, x: [Float](repeating: 0, count: steps),
                            readouts: stride(from: firstEnd, to: steps, by: 10).enumerated().map { .init(step: $1, window: $0, label: 0) })
        }
        // 3 scored hops after 2 of warm-up: segments of 50 steps, starting 30 apart.
        let config = AcrossWindowsConfig(windowsPerSegment: 3, burnInWindows: 2)
        // Readouts 19, 29, …, 199 (19 of them); the last segment starts at 200 − 50 = 150.
        let even = segments(of: [stream(steps: 200)], config: config, hop: 10)
        XCTAssertEqual(even.map(\.start), [0, 30, 60, 90, 120, 150])
        XCTAssertEqual(even.map(\.readouts), [0..<4, 4..<7, 7..<10, 10..<13, 13..<16, 16..<19])
        // 185 steps: readouts 19…179; after the segment at 120 (ends 170) only 179 is left, scored by
        // a segment clipped to the stream's end (135…184), with a longer warm-up.
        let clipped = segments(of: [stream(steps: 185)], config: config, hop: 10)
        XCTAssertEqual(clipped.map(\.start), [0, 30, 60, 90, 120, 135])
        XCTAssertEqual(clipped.last?.readouts, 16..<17)
        // Shorter than a segment: one segment from the start, padded by the trainer.
        let short = segments(of: [stream(steps: 45)], config: config, hop: 10)
        XCTAssertEqual(short.map(\.start), [0])
        XCTAssertEqual(short.map(\.readouts), [0..<3])
        // Every scored readout after the first segment has at least the burn-in before it.
        for segment in even.dropFirst() + clipped.dropFirst() {
            let first = stream(steps: 200).readouts[segment.readouts.lowerBound].step
            XCTAssertGreaterThanOrEqual(first - segment.start, 2 * 10)
        }
        XCTAssertThrowsError(try AcrossWindowsConfig(windowsPerSegment: 1, burnInWindows: 0).validate(hop: 10, windowLength: 20))
        XCTAssertThrowsError(try AcrossWindowsConfig(windowsPerSegment: 1, burnInWindows: 1).validate(hop: 5, windowLength: 20))
        XCTAssertNoThrow(try AcrossWindowsConfig(windowsPerSegment: 1, burnInWindows: 1).validate(hop: 10, windowLength: 20))
    }

    /// Rooms announce themselves only when entered: a marker step (feature 0 for room 0, feature 1
    /// for room 1) and silence after. The room at a window's end is the last marker's, often many
    /// windows back, so no single 10-step window can tell; a model that carries its state can.
    private func markerStream(steps: Int, seed: UInt64) -> RecordingStream {
        var rng = SeededRNG(seed: seed)
        var x = [Float](repeating: 0, count: steps * 2)
        var room = 0, nextMarker = 0
        var rooms = [Int](repeating: 0, count: steps)
        for k in 0..<steps {
            if k == nextMarker {
                room = rng.int(below: 2)
                x[k * 2 + room] = 1
                nextMarker = k + 30 + rng.int(below: 30)
            }
            rooms[k] = room
        }
        let readouts = stride(from: 9, to: steps, by: 5).enumerated().map { RecordingStream.Readout(step: $1, window: $0, label: rooms[$1]) }
        return RecordingStream(steps: steps, features: 2, x: x, readouts: readouts)
    }

    func testTrainingAcrossWindowsLearnsWhatOneWindowCannotSee() {
        let model = Mamba(shape: ModelShape(steps: 10, features: 2, classes: 2),
                          config: MambaConfig(width: 8, stateSize: 4, expand: 2, convKernel: 2, blocks: 1, pooling: .last), seed: 11)
        let train = (0..<4).map { markerStream(steps: 500, seed: UInt64(20 + $0)) }
        let validation = [markerStream(steps: 600, seed: 30)]
        let trainer = AcrossWindowsTrainer(model: model, config: TrainingConfig(epochs: 25, batchSize: 32, learningRate: 1e-2, patience: 25),
                                           acrossWindows: AcrossWindowsConfig(windowsPerSegment: 8, burnInWindows: 8), hop: 5,
                                           classes: 2, train: train, validation: validation, seed: 1)
        let before = trainer.evaluate(validation).metrics.macroF1
        while !trainer.isFinished { _ = trainer.runEpoch() }
        trainer.restoreBest()
        let after = trainer.evaluate(validation).metrics.macroF1
        XCTAssertGreaterThan(after, 0.9, "before training \(before)")
        print("across-windows marker task: macro-F1 \(before) → \(after), best epoch \(trainer.bestEpoch)")
        // A window's last 10 steps hold a marker in about a quarter of the windows: a model reset at
        // every window is right on those and at chance on the rest, about 0.6.
        XCTAssertGreaterThan(after, before + 0.2)
    }
}
