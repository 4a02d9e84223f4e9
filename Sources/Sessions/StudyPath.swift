import Foundation
import Models

/// The study's path in one go, as the workbench's default demo walks it: a small MDCSA teacher
/// trains, a student is distilled from it, and the student's integer model is made (every run
/// makes its own). Each stage is an ordinary session, so it can be reopened, compared and exported
/// like any other; the student's session names its teacher.
public struct StudyPath: Sendable, Equatable {
    /// The teacher's session settings.
    public var teacher: SessionConfig
    /// What is distilled from it.
    public var student: ModelConfig
    public var studentEpochs: Int

    public init(teacher: SessionConfig, student: ModelConfig, studentEpochs: Int) {
        self.teacher = teacher
        self.student = student
        self.studentEpochs = studentEpochs
    }

    /// The demo's teacher: the `teacher` preset at width 16 instead of 64. On the simulated home
    /// it has 39,001 parameters against 607,561 and trains an epoch in about 1.3 s on one core
    /// instead of 18 s, and it still scores above the default MLP (docs/RESULTS.md, "A default
    /// demo worth showing").
    public static let demoTeacher = TeacherConfig(width: 16)
    /// The demo teacher's epoch limit: enough for its validation macro-F1 to level off on the
    /// simulated home, little enough that the whole path fits in two minutes on two cores.
    public static let demoTeacherEpochs = 20

    /// The demo on `base`'s data, split, seed and training recipe: the demo teacher (at most
    /// `demoTeacherEpochs`, fewer when `base` allows fewer), then the `student` preset distilled
    /// from it with `base`'s epoch limit. Sessions `<base>-teacher` and `<base>-student`.
    public static func demo(_ base: SessionConfig) -> StudyPath {
        var teacher = base
        teacher.name = base.name + "-teacher"
        teacher.model = ModelConfig(kind: .teacher)
        teacher.model.teacher = demoTeacher
        teacher.teacher = nil
        teacher.training.epochs = min(base.training.epochs, demoTeacherEpochs)
        return StudyPath(teacher: teacher, student: ModelConfig(kind: .student), studentEpochs: base.training.epochs)
    }

    /// The student's session: exactly its teacher's data, split and windows (as `tinyloc distill`
    /// makes it), with the default temperature and α.
    public func studentConfig(teacher session: Session) -> SessionConfig {
        var config = session.config
        config.name = Self.studentName(teacher: session.config.name)
        config.model = student
        config.training.epochs = studentEpochs
        config.teacher = .init(session: session.folder.path)
        return config
    }

    private static func studentName(teacher: String) -> String {
        (teacher.hasSuffix("-teacher") ? String(teacher.dropLast("-teacher".count)) : teacher) + "-student"
    }
}
