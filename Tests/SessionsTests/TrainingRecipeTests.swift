import Foundation
import Models
import XCTest
@testable import Sessions

/// A session whose training options are edited in session.json between runs: options that change
/// what is learnt start training again on their own, options that only say how long resume, and a
/// deleted checkpoints/ folder is recreated. The expected figures are those of a session created
/// with the edited options from the start, never the run under test's own.
final class TrainingRecipeTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func smallConfig(_ name: String) -> SessionConfig {
        var config = SessionConfig(name: name)
        config.data.recordings = 3
        config.data.minutesPerRecording = 4
        config.training.epochs = 2
        return config
    }

    /// Runs the session as `run` would, returning its report, the stage texts and whether it resumed.
    private func run(_ config: SessionConfig) throws -> (report: ExperimentReport, stages: [String], resumedEpochs: Int?) {
        let session = try Session.openOrCreate(root: root, config: config).session
        var stages = [String](), resumed: Int?
        let report = try XCTUnwrap(try ExperimentRunner(session: session).run { event in
            if case .stage(let text) = event { stages.append(text) }
            if case .resumed(let history) = event { resumed = history.count }
        })
        return (report, stages, resumed)
    }

    /// What a user does: change a field of session.json by hand.
    private func edit(_ name: String, _ change: (inout SessionConfig) -> Void) throws {
        let url = root.appendingPathComponent(name).appendingPathComponent("session.json")
        var config = try Session.readConfig(url)
        change(&config)
        try JSONEncoder().encode(config).write(to: url)
    }

    private func history(_ name: String) throws -> [EpochRecord] {
        try Session.openOrCreate(root: root, config: smallConfig(name)).session.epochHistory()
    }

    func testAnEditedLearningRateTrainsAgainFromTheStart() throws {
        _ = try run(smallConfig("edited"))
        let checkpoints = root.appendingPathComponent("edited").appendingPathComponent("checkpoints")
        let oldWeights = try Data(contentsOf: checkpoints.appendingPathComponent("last.ckpt"))
        try edit("edited") { $0.training.learningRate = 0.005; $0.training.balanceClasses = false }
        let edited = try run(smallConfig("edited"))

        var fresh = smallConfig("fresh")
        fresh.training.learningRate = 0.005
        fresh.training.balanceClasses = false
        let reference = try run(fresh)

        XCTAssertNil(edited.resumedEpochs, "the old recipe's checkpoint must not be resumed")
        XCTAssertTrue(edited.stages.contains { $0.contains("training.learningRate 0.001 → 0.005") && $0.contains("training.balanceClasses true → false") },
                      "\(edited.stages)")
        XCTAssertEqual(try history("edited").map(\.trainLoss), try history("fresh").map(\.trainLoss))
        XCTAssertEqual(edited.report.testFloat, reference.report.testFloat)
        // The old recipe's weights are set aside, not deleted.
        let superseded = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { $0.hasPrefix("superseded-") }
        XCTAssertEqual(superseded.filter { $0.hasSuffix(".ckpt") }.count, 1, "\(superseded)")
        XCTAssertEqual(superseded.filter { $0.hasSuffix(".json") }.count, 1, "\(superseded)")
        let kept = try XCTUnwrap(superseded.first { $0.hasSuffix(".ckpt") })
        XCTAssertEqual(try Data(contentsOf: checkpoints.appendingPathComponent(kept)), oldWeights)
        XCTAssertTrue(edited.stages.contains { $0.contains("the old weights are kept as \(kept)") }, "\(edited.stages)")
    }

    func testMoreEpochsResumeTheCheckpoint() throws {
        let first = try run(smallConfig("longer"))
        XCTAssertEqual(first.report.epochsTrained, 2)
        try edit("longer") { $0.training.epochs = 3; $0.training.patience = 20 }
        let longer = try run(smallConfig("longer"))

        var fresh = smallConfig("three")
        fresh.training.epochs = 3
        fresh.training.patience = 20
        let reference = try run(fresh)

        XCTAssertEqual(longer.resumedEpochs, 2)
        XCTAssertFalse(longer.stages.contains { $0.contains("training starts again") }, "\(longer.stages)")
        XCTAssertEqual(try history("longer").map(\.trainLoss), try history("three").map(\.trainLoss))
        XCTAssertEqual(longer.report.testFloat, reference.report.testFloat)
    }

    func testADamagedRecordOfTheRecipeIsAnErrorNamingTheFile() throws {
        _ = try run(smallConfig("damaged"))
        let session = try Session.openOrCreate(root: root, config: smallConfig("damaged")).session
        try Data(#"{"learningRate": "fast"}"#.utf8).write(to: session.trainedWithURL)
        XCTAssertThrowsError(try ExperimentRunner(session: session).run()) { error in
            XCTAssertTrue("\(error)".contains("trained-with.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("learningRate"), "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: session.lastCheckpointURL.path), "nothing was discarded")
    }

    func testADeletedCheckpointsFolderIsRecreatedAndTrainingStartsAgain() throws {
        let first = try run(smallConfig("deleted"))
        let session = try Session.openOrCreate(root: root, config: smallConfig("deleted")).session
        try FileManager.default.removeItem(at: session.checkpointsFolder)
        let again = try run(smallConfig("deleted"))

        XCTAssertNil(again.resumedEpochs)
        XCTAssertTrue(FileManager.default.fileExists(atPath: session.lastCheckpointURL.path))
        XCTAssertEqual(try history("deleted").map(\.epoch), [1, 2])
        XCTAssertEqual(again.report.testFloat, first.report.testFloat, "the same seed and recipe train the same model")
    }
}
