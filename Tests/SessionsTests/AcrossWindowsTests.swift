import Compression
import Localisation
import Models
import TinyTensor
import XCTest
@testable import Sessions

/// A Mamba across windows in a cross-validation: the streams it reads, its integer stream, and
/// what it refuses.
final class AcrossWindowsTests: XCTestCase {
    /// Two rooms, two receivers; the wearer starts in room 0 (receiver A loud) and moves to room 1
    /// (receiver B loud) after `seconds / 2`, with a 3 s unlabelled walk between and a packet gap.
    private func dataset(recordings: Int, seconds: Double = 60) -> Dataset {
        let items = (0..<recordings).map { k -> Recording in
            var times: [Double] = [], rssi: [Float] = []
            var rng = SplitMix(seed: UInt64(k + 7))
            for i in 0..<Int(seconds * 10) {
                let t = Double(i) / 10
                // No packets for 2 s a little after the start: windowing skips ahead there.
                if t >= 8 && t < 10 { continue }
                let first = t < seconds / 2
                times.append(t)
                rssi.append((first ? -60 : -85) + Float(rng.next() % 9))
                rssi.append(rng.next() % 3 == 0 ? .nan : (first ? -88 : -62) + Float(rng.next() % 9))
            }
            return Recording(name: String(format: "%05d", k + 1), receivers: ["A", "B"], times: times, rssi: rssi, accel: nil,
                             intervals: [RoomInterval(start: 0, end: seconds / 2 - 1.5, room: 0),
                                         RoomInterval(start: seconds / 2 + 1.5, end: seconds, room: 1)])
        }
        return Dataset(name: "two-room", rooms: ["hall", "kitchen"], receivers: ["A", "B"], recordings: items)
    }

    func testStreamsHoldEveryWindowWhereItEnds() {
        let data = dataset(recordings: 2)
        let config = WindowConfig()
        let windows = makeWindows(dataset: data, recordings: [1, 0], config: config)
        let scaler = FeatureScaler.fit(on: windows)
        let scaled = scaler.applied(to: windows)
        let streams = AcrossWindows.streams(of: scaled, dataset: data, config: config, scaler: scaler)
        XCTAssertEqual(streams.count, 2)
        XCTAssertEqual(streams.flatMap { $0.readouts.map(\.window) }.sorted(), Array(0..<windows.count), "every window read once")
        let size = windows.length * windows.features
        for stream in streams {
            for readout in stream.readouts {
                // The window's T steps are the stream's T steps ending at the readout, scaled alike.
                let first = readout.step - windows.length + 1
                let fromStream = Array(stream.x[(first * stream.features)..<((readout.step + 1) * stream.features)])
                let fromWindow = Array(scaled.x[(readout.window * size)..<((readout.window + 1) * size)])
                XCTAssertEqual(fromStream, fromWindow, "window \(readout.window)")
                XCTAssertEqual(readout.label, windows.labels[readout.window])
            }
        }
        // The packet gap cuts the windows but not the stream: some readouts are not one hop apart.
        let steps = streams[0].readouts.map(\.step)
        XCTAssertTrue(zip(steps, steps.dropFirst()).contains { $1 - $0 != config.hop })
    }

    func testCrossValidationAcrossWindowsScoresFloatIntegerAndDecoded() throws {
        let data = dataset(recordings: 3)
        var config = CrossValidation.Config(seeds: [1])
        config.model = ModelConfig(kind: .mamba)
        config.model.mamba = MambaConfig(pooling: .last)
        config.training.epochs = 3
        config.integer = true
        config.decoders = [DecoderSpec(mode: .lag(3))]
        config.acrossWindows = AcrossWindowsConfig(windowsPerSegment: 4, burnInWindows: 2)
        let report = try CrossValidation.run(dataset: data, config: config)
        XCTAssertEqual(report.folds.count, 3)
        for fold in report.folds {
            XCTAssertEqual(fold.result.confusion.joined().reduce(0, +), fold.testWindows)
            let int8 = try XCTUnwrap(fold.int8)
            XCTAssertEqual(int8.confusion.joined().reduce(0, +), fold.testWindows)
            XCTAssertEqual(try XCTUnwrap(fold.decoded?.first?.int8).confusion.joined().reduce(0, +), fold.testWindows)
        }
        let again = try CrossValidation.run(dataset: data, config: config)
        XCTAssertEqual(again.folds, report.folds, "same seed, same numbers")
    }

    func testTheIntegerStreamFollowsTheFloatStreamOverAWholeRecording() throws {
        let data = dataset(recordings: 1, seconds: 300)
        let windows = makeWindows(dataset: data, recordings: [0])
        let streams = AcrossWindows.streams(of: windows, dataset: data, config: WindowConfig(), scaler: nil)
        let model = Mamba(shape: ModelShape(steps: 20, features: 4, classes: 2), config: MambaConfig(pooling: .last), seed: 3)
        // Slow decays (Δ ≈ 0.05), so the state integrates far more than one window.
        for block in model.blocks { for i in 0..<block.dtProj.bias.count { block.dtProj.bias.value[i] = -3 } }
        let float = model.streamedPredictions(streams, windows: windows.count)
        let integer = try AcrossWindows.integerModel(model, calibrationStreams: streams)
        let scores = try AcrossWindows.integerScores(integer, streams: streams, windows: windows.count)
        // Five minutes streamed without a reset are no further from the float stream than one window
        // of the windowed integer model (the same ranges) is from the float window, and the error does
        // not grow along the recording.
        let errors = zip(scores.logits, float.logits).map { abs($0 - $1) }
        let windowInput = Tensor([windows.count, windows.length, windows.features])
        _ = windowInput.buffer.update(fromContentsOf: windows.x)
        let windowFloat = model.forward(windowInput, rows: windows.count, training: false).array
        let windowInteger = IntegerScores(codes: integer.scores(windows), output: integer.integer.output.quantization, rooms: 2).logits
        let windowWorst = zip(windowInteger, windowFloat).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(errors.max()!, windowWorst + 2 * scores.scale)
        let tenth = errors.count / 10
        XCTAssertLessThanOrEqual(errors.suffix(tenth).max()!, errors.prefix(tenth).max()! + 2 * scores.scale)
    }

    /// `run --across-windows`: the session keeps the setting in session.json, trains across windows,
    /// scores float, int8 and decoded on the streamed test recording, and resumes from its checkpoint.
    func testASessionAcrossWindowsRunsAndResumes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-across-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var config = SessionConfig(name: "across")
        config.data.recordings = 3
        config.data.minutesPerRecording = 2
        config.model = ModelConfig(kind: .mamba)
        config.model.mamba = MambaConfig(pooling: .last)
        config.training.epochs = 1
        config.decoders = [DecoderSpec(mode: .lag(2))]
        config.acrossWindows = AcrossWindowsConfig(windowsPerSegment: 4, burnInWindows: 2)
        let session = try Session.openOrCreate(root: root, config: config).session
        let first = try XCTUnwrap(try ExperimentRunner(session: session).run())
        XCTAssertEqual(first.testFloat.confusion.joined().reduce(0, +), first.data.testWindows)
        XCTAssertEqual(try XCTUnwrap(first.testInt8).confusion.joined().reduce(0, +), first.data.testWindows)
        XCTAssertNotNil(first.testDecoded)
        XCTAssertEqual(try Session.readConfig(session.configURL).acrossWindows, config.acrossWindows)

        config.training.epochs = 2
        let reopened = try Session.openOrCreate(root: root, config: config).session
        try reopened.saveJSON(config, to: reopened.configURL)
        var resumedEpochs: Int?
        let second = try XCTUnwrap(try ExperimentRunner(session: Session.openOrCreate(root: root, config: config).session).run { event in
            if case .resumed(let history) = event { resumedEpochs = history.count }
        })
        XCTAssertEqual(resumedEpochs, 1)
        XCTAssertEqual(second.epochsTrained, 2)
    }

    func testWhatCannotRunAcrossWindowsFailsBeforeTraining() {
        let across = AcrossWindowsConfig()
        XCTAssertThrowsError(try AcrossWindows.check(across, model: ModelConfig(kind: .mlp), window: WindowConfig())) {
            XCTAssertEqual("\($0)", "across windows: only a Mamba keeps a state across windows, not mlp")
        }
        XCTAssertThrowsError(try AcrossWindows.check(across, model: ModelConfig(kind: .mamba), window: WindowConfig())) {
            XCTAssertTrue("\($0)".contains("must pool last"), "\($0)")
        }
        var last = ModelConfig(kind: .mamba)
        last.mamba = MambaConfig(pooling: .last)
        XCTAssertNoThrow(try AcrossWindows.check(across, model: last, window: WindowConfig()))
        XCTAssertThrowsError(try AcrossWindows.check(AcrossWindowsConfig(windowsPerSegment: 0), model: last, window: WindowConfig()))
    }
}
