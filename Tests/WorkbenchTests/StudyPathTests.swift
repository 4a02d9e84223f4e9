import Compression
import Foundation
import Localisation
import Models
import Sessions
import XCTest
@testable import Workbench

/// The default demo's path (teacher → distilled student → int8) through the real runner, on a
/// small simulated home with a tiny teacher and student, one controller as the workbench runs it.
final class StudyPathTests: XCTestCase {
    private var root: URL!

    override func setUp() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-path-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    func testTheDemoTrainsATeacherDistilsTheStudentFromItAndConvertsItToIntegers() throws {
        var base = SessionConfig(name: "path")
        base.data.recordings = 3
        base.data.minutesPerRecording = 2
        base.training.epochs = 2
        var path = StudyPath.demo(base)
        XCTAssertEqual(path.teacher.model.kind, .teacher)
        XCTAssertEqual(path.teacher.model.teacher?.width, 16, "the demo's teacher preset")
        XCTAssertEqual(path.teacher.training.epochs, 2, "the demo teacher never trains longer than the run allows")
        path.teacher.model.teacher = TeacherConfig(width: 4)
        path.student = ModelConfig(kind: .studentTiny)
        let teacherSession = try Session.openOrCreate(root: root, config: path.teacher).session
        let controller = SessionController(session: teacherSession, epochPace: 0, path: path)
        controller.start()

        // Every stage the path is seen running in, in the order seen, and one frame of the student training.
        var seen: [String] = []
        var studentTraining: WorkbenchState?
        var finished: WorkbenchState?
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, finished == nil {
            let state = controller.snapshot()
            if let running = state.studyPath.first(where: { $0.progress == .running })?.step.rawValue, seen.last != running {
                seen.append(running)
            }
            if studentTraining == nil, state.studyPath[1].progress == .running, !state.training.epochs.isEmpty {
                studentTraining = state
            }
            if case .done = state.studyPath[2].progress { finished = state }
            Thread.sleep(forTimeInterval: 0.002)
        }
        let final = try XCTUnwrap(finished, "the path did not reach its integer model; stages seen: \(seen)")
        XCTAssertTrue(controller.waitUntilStopped(timeout: 60), "the student's pipeline did not end")
        let order = ["teacher", "student", "int8"]
        XCTAssertEqual(final.studyPath.map(\.step.rawValue), order)
        XCTAssertEqual(seen.first, "teacher")
        XCTAssertEqual(seen.map { order.firstIndex(of: $0)! }, seen.map { order.firstIndex(of: $0)! }.sorted(),
                       "a stage ran after a later one: \(seen)")
        XCTAssertEqual(Set(seen).count, seen.count, "a stage ran twice: \(seen)")

        // The student is its own session, distilled from that teacher: its settings name the
        // teacher's folder, and its run drew the teacher's curve (the runner loaded the teacher).
        let saved = try Session.readConfig(root.appendingPathComponent("path-student").appendingPathComponent("session.json"))
        let student = try Session.openOrCreate(root: root, config: saved).session
        XCTAssertEqual(student.config.teacher?.session, teacherSession.folder.path)
        XCTAssertEqual(student.config.model.kind, ModelKind.studentTiny)
        XCTAssertEqual(final.header.session, "path-student")
        XCTAssertEqual(final.training.teacher?.label, "teacher (path-teacher)")

        // Each stage's figure is its session's: the teacher's and the student's float test F1 from
        // their reports, the int8 one from the student's integer model run here by the integer engine.
        func report(_ session: String) throws -> ExperimentReport {
            try JSONDecoder().decode(ExperimentReport.self,
                                     from: Data(contentsOf: root.appendingPathComponent(session).appendingPathComponent("report.json")))
        }
        let variant = try JSONDecoder().decode(VariantReport.self, from: Data(contentsOf: student.variantsFolder.appendingPathComponent("int8.json")))
        let test = try TrainedSession.open(student).windows.test
        let engine = IntegerInterpreter(variant.graph)
        let size = test.length * test.features
        let predictions = (0..<test.count).map { w in engine.predict(Array(test.x[(w * size)..<((w + 1) * size)])) }
        let int8F1 = ClassificationMetrics(predictions: predictions, labels: test.labels, roomCount: test.rooms.count).macroF1
        let expected = [try report("path-teacher").testFloat.macroF1, try report("path-student").testFloat.macroF1, int8F1]
        for (stage, f1) in zip(final.studyPath, expected) {
            guard case let .done(shown, _) = stage.progress else { return XCTFail("\(stage.step) is not done") }
            XCTAssertEqual(shown, f1, accuracy: 1e-12, "\(stage.step)")
        }
        XCTAssertEqual(final.studyPath[0].detail, Text.count(Teacher(kind: .teacher, shape: ModelShape(steps: 20, features: 11, classes: 9),
                                                                       config: TeacherConfig(width: 4), seed: 1).parameterCount))

        // What the screen shows of it, at both sizes: every stage's figure and time once done, and
        // while the student trains, the teacher's figure with the student marked as training.
        let during = try XCTUnwrap(studentTraining, "no frame caught the student training")
        for (width, height) in [(120, 40), (80, 24)] {
            let screen = Fixtures.render(final, width: width, height: height)
            let train = screen.lines(in: Layout(size: screen.size).rect(for: .train)).joined(separator: "\n")
            for (stage, (label, f1)) in zip(final.studyPath, zip(["  teacher", "→ student", "→ int8"], expected)) {
                let row = try XCTUnwrap(train.split(separator: "\n").first { $0.contains(label) }, train)
                XCTAssertTrue(row.contains("test F1 \(Text.fixed(f1, 3))") || row.contains("test F1 \(Text.fixed(f1, 2))"), String(row))
                // The time drawn is the one the stage recorded (its value is the run's, not checked here).
                guard case let .done(_, seconds) = stage.progress else { continue }
                XCTAssertTrue(row.contains(String(format: "%.0f s", seconds)), String(row))
            }
            let screenDuring = Fixtures.render(during, width: width, height: height)
            let rows = screenDuring.lines(in: Layout(size: screenDuring.size).rect(for: .train))
            XCTAssertTrue(rows.contains { $0.contains("→ student") && $0.contains("training…") }, rows.joined(separator: "\n"))
            XCTAssertTrue(rows.contains { $0.contains("→ int8") && $0.contains("waiting") }, rows.joined(separator: "\n"))
            XCTAssertTrue(rows.contains { $0.contains("  teacher") && $0.contains("test F1") }, rows.joined(separator: "\n"))
        }
    }

    /// A user who picks another run (`n`) leaves the path: the teacher's run is replaced and no
    /// student follows it.
    func testAnotherRunLeavesThePath() throws {
        var base = SessionConfig(name: "left")
        base.data.recordings = 3
        base.data.minutesPerRecording = 2
        base.training.epochs = 1
        var path = StudyPath.demo(base)
        path.teacher.model.teacher = TeacherConfig(width: 4)
        var mlp = base
        mlp.name = "left-mlp"
        let catalogue = SessionController.RunCatalogue(dataSources: ["sim"], models: ["mlp"]) { [root] _, _, _ in
            try Session.openOrCreate(root: root!, config: mlp).session
        }
        let controller = SessionController(session: try Session.openOrCreate(root: root, config: path.teacher).session, epochPace: 0,
                                           catalogue: catalogue, path: path)
        controller.start()
        controller.startRun(dataSource: 0, model: 0, teacher: 0)
        XCTAssertTrue(controller.waitUntilStopped(timeout: 120))
        let state = controller.snapshot()
        XCTAssertEqual(state.header.session, "left-mlp")
        XCTAssertEqual(state.studyPath, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("left-student").path))
    }
}
