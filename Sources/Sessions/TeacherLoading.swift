import Foundation
import Models

/// A finished session's model, frozen at its best-on-validation weights, to teach a student.
public struct LoadedTeacher {
    public var session: Session
    public var model: ClassifierModel
    public var bestEpoch: Int
    /// The teacher's own learning curve, for drawing beside the student's.
    public var history: [EpochRecord]

    /// Opens the teacher sessions of `reference` and checks that each was trained on exactly the
    /// data, split and windows of `student` (soft targets are only meaningful there). With several,
    /// `model` is their `TeacherEnsemble` and `session` the first one's.
    public static func load(_ reference: SessionConfig.TeacherReference, for student: SessionConfig,
                            shape: ModelShape) throws -> LoadedTeacher {
        let loaded = try reference.sessions.map { try load(session: $0, for: student, shape: shape) }
        guard loaded.count > 1 else { return loaded[0] }
        var first = loaded[0]
        first.model = TeacherEnsemble(members: loaded.map(\.model), temperature: reference.temperature)
        return first
    }

    private static func load(session path: String, for student: SessionConfig, shape: ModelShape) throws -> LoadedTeacher {
        let folder = URL(fileURLWithPath: path)
        let configURL = folder.appendingPathComponent("session.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw SessionError.notFound("teacher session \(path) (no session.json)")
        }
        let config = try Session.readConfig(configURL)
        guard config.data == student.data, config.splitSpec == student.splitSpec, config.split == student.split,
              config.windowConfig == student.windowConfig, config.seed == student.seed || config.data.kind != .simulated else {
            throw SessionError.mismatch("teacher session \(config.name) was trained on other data, split or windows than this session")
        }
        let session = Session(folder: folder, config: config)
        let (model, state) = try session.loadBestModel(shape: shape)
        return LoadedTeacher(session: session, model: model, bestEpoch: state.bestEpoch, history: session.epochHistory())
    }
}
