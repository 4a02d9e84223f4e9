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
}
