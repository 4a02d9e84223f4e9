import Foundation
import Models
import TinyTensor
import XCTest
@testable import Sessions

final class DistillationSessionTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-distil-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func smallConfig(_ name: String, kind: ModelKind) -> SessionConfig {
        var config = SessionConfig(name: name)
        config.data.recordings = 3
        config.data.minutesPerRecording = 4
        config.training.epochs = 2
        config.model = ModelConfig(kind: kind)
        return config
    }

    func testStudentSessionDistilsFromAFinishedTeacherSession() throws {
        let teacher = try Session.openOrCreate(root: root, config: smallConfig("teacher", kind: .mlp)).session
        try XCTUnwrap(try ExperimentRunner(session: teacher).run())

        var config = smallConfig("student", kind: .mlp)
        config.model.mlp.hidden = 8
        config.teacher = .init(session: teacher.folder.path, temperature: 4, alpha: 0.5)
        let student = try Session.openOrCreate(root: root, config: config).session
        var teacherEvent: (name: String, epochs: Int)?
        let report = try XCTUnwrap(try ExperimentRunner(session: student).run { event in
            if case let .teacher(name, _, history) = event { teacherEvent = (name, history.count) }
        })
        XCTAssertEqual(teacherEvent?.name, "teacher")
        XCTAssertEqual(teacherEvent?.epochs, 2, "the teacher's curve comes from its metrics log")
        XCTAssertEqual(report.parameters, 220 * 8 + 8 + 8 * 9 + 9)
        XCTAssertEqual(student.epochHistory().count, 2)

        // The student reopened resumes as a student (the teacher reference is in session.json).
        let reopened = try Session.openOrCreate(root: root, config: SessionConfig(name: "student")).session
        XCTAssertEqual(reopened.config.teacher?.session, teacher.folder.path)
    }

    /// Several teacher sessions load as one `TeacherEnsemble` whose members answer exactly as each
    /// teacher loaded alone (the averaging itself: TeacherEnsembleTests).
    func testSeveralTeacherSessionsLoadAsTheirEnsemble() throws {
        var configs = [smallConfig("a", kind: .mlp), smallConfig("b", kind: .mlp)]
        configs[1].model.mlp.hidden = 16
        let teachers = try configs.map { config -> Session in
            let session = try Session.openOrCreate(root: root, config: config).session
            try XCTUnwrap(try ExperimentRunner(session: session).run())
            return session
        }
        let shape = ModelShape(steps: 20, features: 11, classes: 9)
        var student = smallConfig("student", kind: .mlp)
        student.teacher = .init(session: teachers[0].folder.path, moreSessions: [teachers[1].folder.path])
        let loaded = try LoadedTeacher.load(try XCTUnwrap(student.teacher), for: student, shape: shape)
        let ensemble = try XCTUnwrap(loaded.model as? TeacherEnsemble)
        XCTAssertEqual(ensemble.members.count, 2)
        XCTAssertEqual(loaded.session.config.name, "a")
        let x = Tensor([1, 20, 11], values: (0..<220).map { Float($0 % 7) / 7 })
        for (member, teacher) in zip(ensemble.members, teachers) {
            let alone = try LoadedTeacher.load(.init(session: teacher.folder.path), for: student, shape: shape).model
            XCTAssertEqual(member.forward(x, rows: 1, training: false).array, alone.forward(x, rows: 1, training: false).array)
        }
        let data = try JSONEncoder().encode(student.teacher)
        XCTAssertEqual(try JSONDecoder().decode(SessionConfig.TeacherReference.self, from: data), student.teacher)
    }

    func testATeacherTrainedOnOtherDataIsRefused() throws {
        let teacher = try Session.openOrCreate(root: root, config: smallConfig("teacher", kind: .mlp)).session
        try XCTUnwrap(try ExperimentRunner(session: teacher).run())
        var config = smallConfig("student", kind: .mlp)
        config.seed = 99  // other simulated recordings
        config.teacher = .init(session: teacher.folder.path)
        let student = try Session.openOrCreate(root: root, config: config).session
        XCTAssertThrowsError(try ExperimentRunner(session: student).run()) { error in
            XCTAssertTrue("\(error)".contains("trained on other data"), "\(error)")
        }
        config.name = "crf-student"
        config.model.kind = .teacher
        config.model.addCRF()
        let crf = try Session.openOrCreate(root: root, config: config).session
        XCTAssertThrowsError(try ExperimentRunner(session: crf).run()) { error in
            XCTAssertTrue("\(error)".contains("cannot be distilled from a teacher"), "\(error)")
        }
        XCTAssertTrue(crf.epochHistory().isEmpty, "refused before training anything")
        config.model = ModelConfig(kind: .mlp)
        config.name = "orphan"
        config.seed = 1
        config.teacher = .init(session: root.appendingPathComponent("missing").path)
        let orphan = try Session.openOrCreate(root: root, config: config).session
        XCTAssertThrowsError(try ExperimentRunner(session: orphan).run()) { error in
            XCTAssertTrue("\(error)".contains("not found"), "\(error)")
        }
    }
}
