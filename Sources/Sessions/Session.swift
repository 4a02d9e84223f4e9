import Foundation
import Localisation
import Models

/// An experiment session: a folder `sessions/<name>/` holding
/// `session.json` (config), `metrics.jsonl` (learning curve and events), `checkpoints/`
/// (`last.ckpt` to resume from, written atomically every epoch), `variants/`, `report.json`.
public struct Session {
    public let folder: URL
    public let config: SessionConfig

    public var configURL: URL { folder.appendingPathComponent("session.json") }
    public var metrics: MetricsLog { MetricsLog(url: folder.appendingPathComponent("metrics.jsonl")) }
    public var checkpointsFolder: URL { folder.appendingPathComponent("checkpoints") }
    public var lastCheckpointURL: URL { checkpointsFolder.appendingPathComponent("last.ckpt") }
    public var variantsFolder: URL { folder.appendingPathComponent("variants") }
    public var reportURL: URL { folder.appendingPathComponent("report.json") }

    /// Names become folder names, so anything that could walk out of `sessions/` is refused.
    public static func validate(name: String) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard (1...64).contains(name.count), !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw SessionError.invalidName(name)
        }
    }

    /// Opens `root/<name>` if it exists (its saved config wins), else creates it with `config`.
    /// Either config must pass `SessionConfig.validate()`. A folder that holds a checkpoint or a
    /// learning curve but no session.json is refused: creating a config there would resume weights
    /// trained on who knows what as if they were this experiment's.
    public static func openOrCreate(root: URL, config: SessionConfig) throws -> (session: Session, resumed: Bool) {
        try validate(name: config.name)
        let folder = root.appendingPathComponent(config.name, isDirectory: true)
        let configURL = folder.appendingPathComponent("session.json")
        let manager = FileManager.default
        if manager.fileExists(atPath: configURL.path) {
            let session = Session(folder: folder, config: try readConfig(configURL))
            // A session.json written by hand, or copied without its folders, trained a whole epoch
            // and then failed to write the checkpoint.
            try session.createFolders()
            return (session, true)
        }
        do { try config.validate() } catch let problem as SessionConfig.Problem {
            throw SessionError.mismatch("invalid session settings: \(problem)")
        }
        let session = Session(folder: folder, config: config)
        if let leftover = [session.lastCheckpointURL, session.metrics.url].first(where: { manager.fileExists(atPath: $0.path) }) {
            throw SessionError.mismatch("\(folder.path) has \(leftover.lastPathComponent) but no session.json, so what it was trained on "
                                        + "is unknown; move the folder away (or restore its session.json) to use the name \(config.name)")
        }
        try session.createFolders()
        try session.saveJSON(config, to: configURL)
        return (session, false)
    }

    private func createFolders() throws {
        do {
            try FileManager.default.createDirectory(at: checkpointsFolder, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: variantsFolder, withIntermediateDirectories: true)
        } catch {
            throw SessionError.io(path: folder.path, reason: error.localizedDescription)
        }
    }

    /// A saved session.json, decoded and checked; a bad one is an error naming the file and the
    /// JSON path, never a fresh start.
    public static func readConfig(_ url: URL) throws -> SessionConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SessionError.io(path: url.path, reason: "cannot read")
        }
        let config: SessionConfig
        do { config = try JSONDecoder().decode(SessionConfig.self, from: data) } catch {
            throw SessionError.corrupt(path: url.path, reason: describeDecodingError(error))
        }
        do { try config.validate() } catch let problem as SessionConfig.Problem {
            throw SessionError.io(path: url.path, reason: problem.description)
        }
        return config
    }

    public func saveJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: url)
    }

    /// The state to resume from, or nil for a fresh start. Metrics lines for epochs after the
    /// checkpoint (written just before a kill) are dropped so the curve and the weights agree.
    public func loadResumeState() throws -> TrainerState? {
        guard FileManager.default.fileExists(atPath: lastCheckpointURL.path) else {
            try metrics.retain { !isEpochLine($0) }
            return nil
        }
        let state = try loadCheckpoint()
        try metrics.retain { line in
            guard let entry = try? JSONDecoder().decode(EpochEntry.self, from: line), entry.event == "epoch" else { return true }
            return entry.epoch <= state.epochsDone
        }
        return state
    }

    /// The last checkpoint, refused when it was written for another config (model, data, split,
    /// windows, seed: `SessionConfig.digest`), such as after session.json was edited or replaced.
    public func loadCheckpoint() throws -> TrainerState {
        let (state, digest) = try CheckpointFile.readWithDigest(from: lastCheckpointURL)
        // Checkpoints written before digests existed carry none; their session.json is the one they were trained with.
        if let digest, digest != config.digest {
            throw SessionError.mismatch("\(lastCheckpointURL.path) was trained with another model, data, split, windows or seed than "
                                        + "\(configURL.path) now says (config digest \(digest), now \(config.digest)); "
                                        + "restore that session.json, or start a new session")
        }
        return state
    }

    /// The session's model at its best-on-validation weights (the checkpoint checked as above),
    /// with the checkpoint it came from; refused when the checkpoint holds another model's parameters.
    public func loadBestModel(shape: ModelShape) throws -> (model: ClassifierModel, state: TrainerState) {
        let state = try loadCheckpoint()
        let model = config.model.build(shape: shape, seed: config.seed)
        guard state.parameterNames == model.parameters.map(\.name),
              state.bestParameters.map(\.count) == model.parameters.map(\.count) else {
            throw TrainerError.mismatchedState(expected: model.parameters.map(\.name), found: state.parameterNames)
        }
        TrainerState.copy(state.bestParameters, into: model.parameters)
        return (model, state)
    }

    private func isEpochLine(_ line: Data) -> Bool {
        (try? JSONDecoder().decode(EpochEntry.self, from: line))?.event == "epoch"
    }

    /// The learning curve as logged so far.
    public func epochHistory() -> [EpochRecord] {
        metrics.entries("epoch", as: EpochEntry.self).map(\.record)
    }
}

/// A metrics.jsonl line for one epoch: {"event":"epoch", …EpochRecord fields}.
public struct EpochEntry: Codable {
    public var event = "epoch"
    public var record: EpochRecord
    public var epoch: Int { record.epoch }

    public init(_ record: EpochRecord) { self.record = record }

    enum CodingKeys: String, CodingKey { case event }

    public init(from decoder: Decoder) throws {
        event = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .event)
        record = try EpochRecord(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try record.encode(to: encoder)
    }
}
