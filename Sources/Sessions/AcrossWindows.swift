import Compression
import Foundation
import Localisation
import Models

/// A Mamba that keeps its state across windows, scored like every other classifier: its output at
/// the end of each window of a set, float or integer, the recording streamed from one reset.
public enum AcrossWindows {
    /// The recordings of `windows` as streams of every step (scaled like the windows), each window
    /// a readout at its last step, indexed as in `windows`. Steps between kept windows (unlabelled
    /// stretches, gaps in the packets) stream through too: the chip sees them.
    public static func streams(of windows: WindowSet, dataset: Dataset, config: WindowConfig, scaler: FeatureScaler?) -> [RecordingStream] {
        let useAccelerometer = config.useAccelerometer && dataset.hasAccelerometer
        let receivers = dataset.receivers.count
        var order: [Int] = []
        for r in windows.recordingIndex where !order.contains(r) { order.append(r) }
        return order.map { recording in
            let steps = StepFeatures(recording: dataset.recordings[recording], stepRate: config.stepRate,
                                     includeAccelerometer: useAccelerometer, maxGap: config.effectiveMaxGap)
            var values = WindowSet(count: 1, length: steps.steps, features: steps.features, x: steps.values, labels: [0],
                                   recordingIndex: [recording], startTimes: [0], rooms: dataset.rooms, featureNames: windows.featureNames)
            scaler?.apply(to: &values)
            let readouts = windows.recordingIndex.indices.filter { windows.recordingIndex[$0] == recording }.map { w in
                RecordingStream.Readout(step: Int((windows.startTimes[w] * config.stepRate).rounded()) + windows.length - 1,
                                        window: w, label: windows.labels[w])
            }.sorted { $0.step < $1.step }
            return RecordingStream(steps: steps.steps, features: steps.features, x: values.x, readouts: readouts,
                                   receiverFeatures: (0..<receivers).map { [$0, receivers + $0] })
        }
    }

    /// The integer streaming model's output codes at every window end, `codes[w·C + j]`: each
    /// recording stepped through `IntegerInterpreter` from one reset, as the chip runs
    /// `tinyloc_step` without `tinyloc_reset`.
    public static func integerScores(_ integer: IntegerModel, streams: [RecordingStream], windows: Int) throws -> IntegerScores {
        guard let graph = integer.integerStreaming else { throw AcrossWindowsError.notMamba(integer.float.name) }
        let classes = graph.output.elements
        var codes = [Int32](repeating: 0, count: windows * classes)
        let engine = IntegerInterpreter(graph)
        for stream in streams {
            engine.reset()
            var next = 0
            for k in 0..<stream.steps where next < stream.readouts.count {
                let output = engine.run(engine.quantizeInput(Array(stream.x[(k * stream.features)..<((k + 1) * stream.features)])))
                if stream.readouts[next].step == k {
                    let w = stream.readouts[next].window
                    codes.replaceSubrange((w * classes)..<((w + 1) * classes), with: output)
                    next += 1
                }
            }
        }
        return IntegerScores(codes: codes, output: graph.output.quantization, rooms: classes)
    }

    /// Steps per calibration sequence: five minutes at SPHERE's 5 Hz, so the ranges (the scan
    /// state's above all) are those of a state that has run for minutes, not for one window.
    public static let calibrationSteps = 1500
    /// At most this many calibration sequences, spread over the training streams.
    public static let calibrationSequences = 16

    /// The integer model of a Mamba that runs across windows: calibrated on long stretches of the
    /// training streams (by a copy of the model lowered over `calibrationSteps` rows; the tensors
    /// have the same names), then the windowed and streaming graphs quantized with those ranges.
    public static func integerModel(_ model: Mamba, calibrationStreams streams: [RecordingStream],
                                    plan: PrecisionPlan = PrecisionPlan()) throws -> IntegerModel {
        let long = Mamba(kind: model.kind, shape: ModelShape(steps: calibrationSteps, features: model.shape.features,
                                                             classes: model.shape.classes),
                         config: model.config, seed: 0)
        for (target, source) in zip(long.parameters, model.parameters) { target.value.copy(from: source.value) }
        guard let longGraph = long.lowered(.windowed), let windowed = model.lowered(.windowed) else {
            preconditionFailure("a Mamba lowers")
        }
        let f = model.shape.features
        var starts: [(stream: Int, step: Int)] = []
        for (s, stream) in streams.enumerated() {
            var step = 0
            repeat {
                starts.append((s, step))
                step += calibrationSteps
            } while step + calibrationSteps <= stream.steps
        }
        let chosen = (0..<min(calibrationSequences, starts.count)).map { starts[$0 * starts.count / min(calibrationSequences, starts.count)] }
        let sequences = chosen.map { start -> [Float] in
            let stream = streams[start.stream]
            let available = min(calibrationSteps, stream.steps - start.step)
            // A recording shorter than a sequence ends in silence (every feature 0), which the chip also meets.
            return Array(stream.x[(start.step * f)..<((start.step + available) * f)])
                + [Float](repeating: 0, count: (calibrationSteps - available) * f)
        }
        let calibration = try Calibration(graph: longGraph, windows: sequences, method: plan.calibration)
        return try IntegerModel(float: windowed, streaming: model.lowered(.streaming), calibration: calibration, plan: plan)
    }
}

extension AcrossWindows {
    /// Throws, before any training, unless `model` is a Mamba reading its last step (a stream
    /// across windows has no window to pool over) and `config` cuts segments of at least a window.
    public static func check(_ config: AcrossWindowsConfig, model: ModelConfig, window: WindowConfig) throws {
        guard model.kind == .mamba || model.kind == .mambaWide else { throw AcrossWindowsError.notMamba(model.kind.rawValue) }
        if (model.mamba?.pooling ?? .mean) != .last {
            throw SessionError.mismatch("across windows: the Mamba must pool last (its output at each window's end), not mean")
        }
        try config.validate(hop: window.hop, windowLength: window.length)
    }
}
