import ArgumentParser
import Foundation
import Models
import Sessions

/// `tinyloc distill`: trains a student from a trained teacher's soft targets on the teacher
/// session's own data and split, then compares both on the test recordings.
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Distil a student from a trained teacher: L = α·T²·KL(teacher/T ‖ student/T) + (1 − α)·CE.",
        discussion: """
            --teacher names a finished session (a folder under --sessions-dir, or a path) or its checkpoint file; the \
            teacher's best weights are frozen. Repeat --teacher (up to 8 sessions on the same data, split and windows) to \
            distil from their softened outputs averaged. The student is a new session on the teacher's data, split and windows, \
            saved and resumable like any run, with report.json. The teacher's window logits (last-step emissions) are \
            computed once for the training set unless receiver dropout augments the inputs, when the teacher runs on \
            every batch.
            """
    )

    @Option(help: "Teacher: a session name, a session folder, or a checkpoint file (…/checkpoints/last.ckpt). Repeat for several teachers.")
    var teacher: [String] = []

    @Option(help: "Student kind: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var student = "student"

    @Option(parsing: .unconditional, help: "Distillation temperature T.")
    var temperature: Float = 4

    @Option(parsing: .unconditional, help: "Weight α of the soft (teacher) term; 1 − α weighs the labels.")
    var alpha: Float = 0.5

    @Option(parsing: .unconditional, help: "Maximum training epochs (default: the teacher session's).")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Probability of silencing each receiver for a whole training window (0–0.9; default: the teacher session's). The teacher then runs on every augmented batch, so the student learns its outputs on windows with receivers missing. The default session name gets -rd<p>.")
    var receiverDropout: Float?

    @Option(help: "Name of the student's session (default: <teacher>-distil-<student>). An existing one is resumed with its own settings.")
    var session: String?

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    func validate() throws {
        if !(1...8).contains(teacher.count) { throw ValidationError("--teacher: name 1 to 8 teacher sessions, got \(teacher.count)") }
        _ = try parseModelKind(student, option: "--student")
        if !(temperature > 0) { throw ValidationError("--temperature must be positive") }
        if !(0...1).contains(alpha) { throw ValidationError("--alpha must be in [0, 1]") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let receiverDropout, !(0...0.9).contains(receiverDropout) {
            throw ValidationError("--receiver-dropout must be in [0, 0.9], got \(receiverDropout)")
        }
        if let session { try Session.validate(name: session) }
    }

    /// A teacher session's folder, from a session name, a folder or a checkpoint file.
    func teacherFolder(_ teacher: String) -> URL {
        let given = URL(fileURLWithPath: teacher)
        if given.pathExtension == "ckpt" { return given.deletingLastPathComponent().deletingLastPathComponent() }
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: given.path, isDirectory: &isFolder) && isFolder.boolValue
            ? given : URL(fileURLWithPath: sessionsDir).appendingPathComponent(teacher)
    }

    /// The student is an ordinary session — same data, split and windows as the teacher, another
    /// model, and a reference to the teacher — so it is saved, resumable and reported like any run.
    func run() throws {
        let folders = teacher.map(teacherFolder)
        for folder in folders where !FileManager.default.fileExists(atPath: folder.appendingPathComponent("session.json").path) {
            throw ValidationError("no teacher session at \(folder.path) (session.json not found)")
        }
        let folder = folders[0]
        let teacherConfig = try Session.readConfig(folder.appendingPathComponent("session.json"))
        var config = teacherConfig
        // Another dropout is another experiment: it gets its own default session, not the resumed plain one.
        let dropoutSuffix = receiverDropout.map { $0 == teacherConfig.training.receiverDropout ? "" : "-rd\($0)" } ?? ""
        let ensembleSuffix = folders.count > 1 ? "-\(folders.count)teachers" : ""
        config.name = session ?? "\(teacherConfig.name)-distil-\(student)\(ensembleSuffix)\(dropoutSuffix)"
        config.model = ModelConfig(kind: try parseModelKind(student, option: "--student"))
        config.teacher = .init(session: folder.path, temperature: temperature, alpha: alpha,
                               moreSessions: folders.count > 1 ? folders.dropFirst().map(\.path) : nil)
        if let epochs { config.training.epochs = epochs }
        if let receiverDropout { config.training.receiverDropout = receiverDropout }
        let root = URL(fileURLWithPath: sessionsDir)
        let savedURL = root.appendingPathComponent(config.name).appendingPathComponent("session.json")
        if FileManager.default.fileExists(atPath: savedURL.path) {
            let differences = conflicts(asked: config, saved: try Session.readConfig(savedURL))
            if !differences.isEmpty { throw SessionConflict(session: config.name, differences: differences) }
        }
        let (studentSession, resumed) = try Session.openOrCreate(root: root, config: config)
        try HeadlessRun(session: studentSession, resumed: resumed).run()
    }
}

extension Distill {
    /// What this command asks of an existing student session that its saved settings contradict:
    /// the student keeps its own settings (its checkpoint is bound to them), as `run` does.
    func conflicts(asked: SessionConfig, saved: SessionConfig) -> [String] {
        var list = ConflictList(asked: asked, saved: saved)
        list.compare("--student", given: true, { $0.model.kind.rawValue })
        list.compare("--teacher", given: true, {
            $0.teacher.map { $0.sessions.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.joined(separator: ", ") } ?? "none"
        })
        list.compare("--temperature", given: true, { $0.teacher?.temperature ?? 0 })
        list.compare("--alpha", given: true, { $0.teacher?.alpha ?? 0 })
        list.compare("--epochs", given: epochs != nil, \.training.epochs)
        list.compare("--receiver-dropout", given: receiverDropout != nil, \.training.receiverDropout)
        return list.differences
    }
}
