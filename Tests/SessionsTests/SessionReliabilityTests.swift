import Foundation
import Models
import TinyTensor
import XCTest
@testable import Sessions

/// A session cannot run on settings the engine cannot survive, resume another experiment's weights,
/// or save a diverged model over a good one.
final class SessionReliabilityTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func blobs(count: Int, seed: UInt64, scale: Float = 1) -> LabelledWindows {
        var rng = SeededRNG(seed: seed)
        var x = [Float](), labels = [Int]()
        for i in 0..<count {
            labels.append(i % 3)
            for _ in 0..<12 { x.append((Float(i % 3) + rng.normal() * 0.4) * scale) }
        }
        return LabelledWindows(x: x, labels: labels, steps: 4, features: 3)
    }

    private func trainer(epochs: Int, inputScale: Float = 1) -> Trainer {
        let model = MLP(shape: ModelShape(steps: 4, features: 3, classes: 3), config: .init(hidden: 8), seed: 7)
        return Trainer(model: model, config: TrainingConfig(epochs: epochs, batchSize: 16, patience: 100), classes: 3,
                       train: blobs(count: 60, seed: 1, scale: inputScale), validation: blobs(count: 30, seed: 2), seed: 11)
    }

    /// Rewrites one field of a saved session.json, as a person editing it would.
    private func edit(_ session: Session, _ change: (inout [String: Any]) -> Void) throws {
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: session.configURL)) as? [String: Any])
        change(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: session.configURL)
    }

    private func reopenError(_ name: String) -> String {
        do {
            _ = try Session.openOrCreate(root: root, config: SessionConfig(name: name))
        } catch {
            return "\(error)"
        }
        XCTFail("reopening \(name) should fail")
        return ""
    }

    func testOutOfBoundsSessionFileIsRefusedNamingTheField() throws {
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("batch", { $0["training"] = ["batchSize": 0] }, "training.batchSize must be 1…4096, found 0"),
            ("window", { $0["windowLength"] = 0 }, "windowLength must be 1…1000, found 0"),
            ("rate", { $0["stepRate"] = 0 }, "stepRate must be 0.05…20.0, found 0.0"),
            ("minutes", { $0["data"] = ["minutesPerRecording": 1e9] }, "data.minutesPerRecording must be in (0, 1440.0], found 1000000000.0"),
            ("hidden", { $0["model"] = ["kind": "mlp", "mlp": ["hidden": 0, "dropout": 0]] }, "model.mlp.hidden must be a whole number 1…4096, found 0.0"),
            ("dropout", { $0["model"] = ["kind": "mlp", "mlp": ["hidden": 8, "dropout": 1]] }, "model.mlp.dropout must be in [0, 1), found 1.0"),
            ("cnn", { $0["windowLength"] = 4; $0["model"] = ["kind": "cnn"] }, "windowLength must be enough steps for 3 pools of 2 (cnn), found 4"),
            ("mcu", { $0["mcu"] = "Z80" }, "mcu must be one of"),
            // Each size within 1…4096, together 275 GB of weights.
            ("enormous", { $0["model"] = ["kind": "teacher", "teacher": [
                "width": 4096, "grnMultiplier": 4096, "kernels": [1, 4, 7], "attentionDropout": 0.1, "headDropout": 0.1,
                "accelerometerFeatures": 3, "crf": false] as [String: Any]] },
             "must be sizes whose largest squared times the next is at most 2147483648 (a model that fits in memory), found 4096, 4096"),
            ("typed", { $0["training"] = ["epochs": "ten"] }, "training.epochs: expected Int"),
        ]
        for (name, change, expected) in cases {
            let session = try Session.openOrCreate(root: root, config: SessionConfig(name: name)).session
            try edit(session, change)
            let message = reopenError(name)
            XCTAssertTrue(message.contains("\(name)/session.json"), message)
            XCTAssertTrue(message.contains(expected), "\(name): \(message)")
        }
        var bad = SessionConfig(name: "fresh")
        bad.training.batchSize = 0
        XCTAssertThrowsError(try Session.openOrCreate(root: root, config: bad))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("fresh").path), "nothing is created for a bad config")
    }

    func testACheckpointWithoutItsSessionFileIsNotAdoptedByANewSession() throws {
        let old = try Session.openOrCreate(root: root, config: SessionConfig(name: "lost")).session
        try old.train(trainer(epochs: 1))
        try FileManager.default.removeItem(at: old.configURL)
        let message = reopenError("lost")
        XCTAssertTrue(message.contains("has last.ckpt but no session.json"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.configURL.path), "the refusal writes nothing")
        XCTAssertEqual(try CheckpointFile.read(from: old.lastCheckpointURL).epochsDone, 1, "and keeps the checkpoint")
    }

    func testACheckpointIsBoundToItsConfig() throws {
        let session = try Session.openOrCreate(root: root, config: SessionConfig(name: "bound")).session
        try session.train(trainer(epochs: 1))
        try edit(session) { $0["seed"] = 2 }
        let reseeded = try Session.openOrCreate(root: root, config: SessionConfig(name: "bound")).session
        XCTAssertThrowsError(try reseeded.loadResumeState()) { error in
            XCTAssertTrue("\(error)".contains("was trained with another model, data, split, windows or seed"), "\(error)")
        }
        try edit(session) {
            $0["seed"] = 1
            $0["training"] = ["epochs": 80]
        }
        let extended = try Session.openOrCreate(root: root, config: SessionConfig(name: "bound")).session
        XCTAssertEqual(extended.config.training.epochs, 80)
        XCTAssertEqual(try extended.loadResumeState()?.epochsDone, 1, "more epochs train the same experiment further")

        var other = SessionConfig(name: "x")
        XCTAssertEqual(other.digest, SessionConfig(name: "y").digest, "the name is not part of what the weights depend on")
        other.model.kind = .cnn
        XCTAssertNotEqual(other.digest, SessionConfig(name: "x").digest)
    }

    func testADivergedEpochStopsTrainingAndKeepsTheLastFiniteCheckpoint() throws {
        let session = try Session.openOrCreate(root: root, config: SessionConfig(name: "diverge")).session
        let healthy = trainer(epochs: 5)
        let control = TrainingControl()
        try session.train(healthy, control: control) { _ in control.stop() }
        let saved = try XCTUnwrap(try session.loadResumeState())
        XCTAssertEqual(saved.epochsDone, 1)

        // NaN inputs make every logit and so the loss NaN, as a diverged optimizer does.
        let diverging = trainer(epochs: 5, inputScale: .nan)
        try diverging.restore(saved)
        XCTAssertThrowsError(try session.train(diverging)) { error in
            XCTAssertTrue("\(error)".contains("training diverged in epoch 2"), "\(error)")
            XCTAssertTrue("\(error)".contains("keeps epoch 1"), "\(error)")
        }
        let after = try XCTUnwrap(try session.loadResumeState())
        XCTAssertEqual(after.epochsDone, 1)
        XCTAssertEqual(after.parameters, saved.parameters)
        XCTAssertEqual(after.bestParameters, saved.bestParameters)
        XCTAssertEqual(session.epochHistory().map(\.epoch), [1], "no line for the diverged epoch")
    }

    /// Random configs inside the bounds: each validates, survives session.json unchanged (so its
    /// digest does too), and one field pushed past its bound is refused under that field's path.
    func testRandomValidConfigsRoundTripAndEachBoundIsEnforced() throws {
        var rng = SeededRNG(seed: 15)
        func pick<T>(_ values: [T]) -> T { values[rng.int(below: values.count)] }
        for i in 0..<200 {
            var config = SessionConfig(name: "random-\(i)")
            config.seed = rng.next()
            config.model.kind = pick(ModelKind.allCases)
            if config.model.canLabelSteps && rng.int(below: 2) == 0 { config.model.addCRF() }
            // A cnn halves the window three times, so it needs 8 steps.
            config.windowLength = (config.model.kind == .cnn ? 8 : 1) + rng.int(below: 200)
            config.windowHop = 1 + rng.int(below: 100)
            config.stepRate = 0.05 + rng.uniformDouble() * 19.95
            config.maxGap = rng.int(below: 3) == 0 ? nil : rng.uniformDouble() * 10
            config.scaling = pick([nil, .fixed, .minmax])
            config.data.recordings = 3 + rng.int(below: 98)
            config.data.minutesPerRecording = 0.5 + rng.uniformDouble() * 1000
            config.training = TrainingConfig(epochs: 1 + rng.int(below: 500), batchSize: 1 + rng.int(below: 4096),
                                             learningRate: 1e-5 + rng.uniform() * 0.1, weightDecay: rng.uniform() * 0.01,
                                             patience: rng.int(below: 50), balanceClasses: rng.int(below: 2) == 0,
                                             receiverDropout: rng.uniform() * 0.9)
            config.ramBudgetBytes = 1 + rng.int(below: 1 << 20)
            config.mcu = pick(["nRF52840", "STM32L476", "RP2040", "ESP32-S3"])
            XCTAssertNoThrow(try config.validate(), "\(config)")
            let back = try JSONDecoder().decode(SessionConfig.self, from: JSONEncoder().encode(config))
            XCTAssertEqual(back, config)
            XCTAssertEqual(back.digest, config.digest)

            var broken = config
            let (path, breakIt): (String, (inout SessionConfig) -> Void) = pick([
                ("training.batchSize", { $0.training.batchSize = pick([0, -1, 4097]) }),
                ("training.epochs", { $0.training.epochs = pick([0, -5]) }),
                ("training.learningRate", { $0.training.learningRate = pick([0, -1, .nan, 11]) }),
                ("training.receiverDropout", { $0.training.receiverDropout = pick([-0.1, 0.95]) }),
                ("windowLength", { $0.windowLength = pick([0, 1001]) }),
                ("windowHop", { $0.windowHop = 0 }),
                ("stepRate", { $0.stepRate = pick([0, -5, .nan, .infinity, 1e10]) }),
                ("data.minutesPerRecording", { $0.data.minutesPerRecording = pick([0, 1e9, .nan]) }),
                ("data.recordings", { $0.data.recordings = pick([2, 101]) }),
                ("maxGap", { $0.maxGap = pick([-1, .nan]) }),
                ("ramBudgetBytes", { $0.ramBudgetBytes = 0 }),
            ])
            breakIt(&broken)
            XCTAssertThrowsError(try broken.validate()) { error in
                XCTAssertEqual((error as? SessionConfig.Problem)?.path, path, "\(error)")
            }
        }
    }
}
