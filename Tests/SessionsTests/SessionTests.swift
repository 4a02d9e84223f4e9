import Foundation
import Models
import TinyTensor
import XCTest
@testable import Sessions

final class SessionTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-sessions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Two well-separated rooms of Gaussian blobs: enough for the MLP to learn in a few epochs.
    private func blobs(count: Int, seed: UInt64) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        let steps = 4, features = 3
        var x = [Float](), labels = [Int]()
        for i in 0..<count {
            let label = i % 3
            labels.append(label)
            for _ in 0..<(steps * features) { x.append(Float(label) + rng.normal() * 0.4) }
        }
        return LabelledWindows(x: x, labels: labels, steps: steps, features: features)
    }

    private func makeTrainer(epochs: Int) -> Trainer {
        let train = blobs(count: 90, seed: 1), validation = blobs(count: 30, seed: 2)
        let model = MLP(shape: ModelShape(steps: 4, features: 3, classes: 3), config: .init(hidden: 8, dropout: 0.1), seed: 7)
        return Trainer(model: model, config: TrainingConfig(epochs: epochs, batchSize: 16, patience: 100),
                       classes: 3, train: train, validation: validation, seed: 11)
    }

    func testNamesThatCouldEscapeTheFolderAreRefused() {
        for bad in ["", "../x", "a/b", ".hidden", "x y", String(repeating: "a", count: 65), "naïve"] {
            XCTAssertThrowsError(try Session.validate(name: bad), bad)
        }
        XCTAssertNoThrow(try Session.validate(name: "demo-1126_v2.1"))
    }

    func testCheckpointRoundTripsAndDetectsDamage() throws {
        let trainer = makeTrainer(epochs: 2)
        _ = trainer.runEpoch()
        let state = trainer.state()
        let data = try CheckpointFile.encode(state)
        let back = try CheckpointFile.decode(data, path: "t.ckpt")
        XCTAssertEqual(back.parameters, state.parameters)
        XCTAssertEqual(back.secondMoments, state.secondMoments)
        XCTAssertEqual(back.optimizerStep, state.optimizerStep)
        XCTAssertEqual(back.parameterNames, state.parameterNames)

        var flipped = data
        flipped[flipped.count / 2] ^= 0x10
        XCTAssertThrowsError(try CheckpointFile.decode(flipped, path: "t.ckpt")) { error in
            XCTAssertTrue("\(error)".contains("t.ckpt is corrupt"), "\(error)")
        }
        XCTAssertThrowsError(try CheckpointFile.decode(data.prefix(data.count - 9), path: "t.ckpt"))
        XCTAssertThrowsError(try CheckpointFile.decode(Data("hello".utf8), path: "t.ckpt"))
    }

    func testCRC32KnownValue() {
        XCTAssertEqual(CRC32.checksum(Data("123456789".utf8)), 0xCBF4_3926)
    }

    /// A run killed after epoch 2 (with the epoch-3 metrics line already written, and a stray temp
    /// file from an interrupted write) resumes to exactly the weights of an uninterrupted run.
    func testResumeAfterCrashMatchesUninterruptedRun() throws {
        let uninterrupted = makeTrainer(epochs: 4)
        let reference = try Session.openOrCreate(root: root, config: SessionConfig(name: "reference")).session
        try reference.train(uninterrupted)
        let expected = uninterrupted.state()

        let config = SessionConfig(name: "crashy")
        let first = try Session.openOrCreate(root: root, config: config).session
        let control = TrainingControl()
        var seen = 0
        try first.train(makeTrainer(epochs: 4), control: control) { _ in
            seen += 1
            if seen == 2 { control.stop() }
        }
        // What a kill during epoch 3 can leave behind.
        try first.metrics.append(EpochEntry(EpochRecord(epoch: 3, trainLoss: 9, trainF1: 0, validationLoss: 9,
                                                        validationF1: 0, validationAccuracy: 0, seconds: 0)))
        try Data("partial".utf8).write(to: first.checkpointsFolder.appendingPathComponent(".last.ckpt.tmp-999"))
        let torn = try FileHandle(forWritingTo: first.metrics.url)
        try torn.seekToEnd()
        try torn.write(contentsOf: Data("{\"event\":\"epo".utf8))
        try torn.close()

        let (reopened, resumed) = try Session.openOrCreate(root: root, config: SessionConfig(name: "crashy"))
        XCTAssertTrue(resumed)
        let state = try XCTUnwrap(try reopened.loadResumeState())
        XCTAssertEqual(state.epochsDone, 2)
        XCTAssertEqual(reopened.epochHistory().map(\.epoch), [1, 2])
        let trainer = makeTrainer(epochs: 4)
        try trainer.restore(state)
        try reopened.train(trainer)
        XCTAssertEqual(trainer.state().parameters, expected.parameters, "resumed weights differ from an uninterrupted run")
        XCTAssertEqual(trainer.state().bestParameters, expected.bestParameters)
        XCTAssertEqual(reopened.epochHistory().map(\.epoch), [1, 2, 3, 4])
        XCTAssertEqual(reopened.epochHistory().map(\.trainLoss), reference.epochHistory().map(\.trainLoss))
    }

    /// The TUI reads the epoch in progress from the control: which epoch, how many of its training
    /// windows are done; nothing once the epoch ends or is stopped.
    func testTrainerReportsEpochProgressThroughTheControl() throws {
        let trainer = makeTrainer(epochs: 3)
        let control = TrainingControl()
        XCTAssertNotNil(trainer.runEpoch(control: control))
        XCTAssertNil(control.progress, "no epoch in progress between epochs")

        control.setPaused(true)
        let ended = DispatchSemaphore(value: 0)
        let thread = Thread {
            XCTAssertNil(trainer.runEpoch(control: control), "a stopped epoch returns nothing")
            ended.signal()
        }
        thread.start()
        let deadline = Date().addingTimeInterval(10)
        while control.progress == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(control.progress, EpochProgress(epoch: 2, windowsDone: 0, windows: 90))
        control.stop()
        XCTAssertEqual(ended.wait(timeout: .now() + 10), .success)
        XCTAssertNil(control.progress)
        XCTAssertEqual(EpochProgress(epoch: 1, windowsDone: 48, windows: 90).fraction, 48.0 / 90.0)
    }

    func testRestoringIntoADifferentNetworkIsRefused() throws {
        let state = makeTrainer(epochs: 1).state()
        let other = Trainer(model: MLP(shape: ModelShape(steps: 4, features: 3, classes: 3), config: .init(hidden: 5), seed: 1),
                            config: TrainingConfig(), classes: 3, train: blobs(count: 9, seed: 1),
                            validation: blobs(count: 3, seed: 2), seed: 1)
        XCTAssertThrowsError(try other.restore(state))
    }

    func testCorruptSessionFileIsAnErrorNotAFreshStart() throws {
        let session = try Session.openOrCreate(root: root, config: SessionConfig(name: "broken")).session
        try Data("{ not json".utf8).write(to: session.configURL)
        XCTAssertThrowsError(try Session.openOrCreate(root: root, config: SessionConfig(name: "broken"))) { error in
            XCTAssertTrue("\(error)".contains("session.json is corrupt"), "\(error)")
        }
    }
}

final class SessionConfigDecodingTests: XCTestCase {
    func testAnOlderSessionFileWithFewerFieldsStillOpensWithDefaults() throws {
        let json = #"{"name": "old", "seed": 7, "data": {"kind": "simulated", "recordings": 4}, "model": {"kind": "mlp", "mlp": {"hidden": 32, "dropout": 0}}}"#
        let config = try JSONDecoder().decode(SessionConfig.self, from: Data(json.utf8))
        XCTAssertEqual(config.name, "old")
        XCTAssertEqual(config.seed, 7)
        XCTAssertEqual(config.data.recordings, 4)
        XCTAssertEqual(config.data.minutesPerRecording, 90)
        XCTAssertEqual(config.model.mlp.hidden, 32)
        XCTAssertEqual(config.training, TrainingConfig())
        XCTAssertEqual(config.windowLength, 20)
        XCTAssertNil(config.teacher)
        // Older sessions resume on the data and split they were made with.
        XCTAssertEqual(config.data.intactRecordings, 0)
        XCTAssertEqual(config.defaultSplit, .lastTwo)
        XCTAssertEqual(SessionConfig(name: "new").data.intactRecordings, 2)
        XCTAssertEqual(SessionConfig(name: "new").defaultSplit, .usualReceivers)
        XCTAssertThrowsError(try JSONDecoder().decode(SessionConfig.self, from: Data(#"{"seed": 1}"#.utf8)), "a name is required")
    }

    func testRoundTrip() throws {
        var config = SessionConfig(name: "rt")
        config.teacher = .init(session: "/tmp/t", temperature: 2, alpha: 0.3)
        config.training.receiverDropout = 0.2
        config.data.kind = .sphere
        config.data.path = "/data"
        let back = try JSONDecoder().decode(SessionConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(back, config)
    }
}
