import Foundation
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
    public static func openOrCreate(root: URL, config: SessionConfig) throws -> (session: Session, resumed: Bool) {
        try validate(name: config.name)
        let folder = root.appendingPathComponent(config.name, isDirectory: true)
        let configURL = folder.appendingPathComponent("session.json")
        let manager = FileManager.default
        if manager.fileExists(atPath: configURL.path) {
            guard let data = manager.contents(atPath: configURL.path) else {
                throw SessionError.io(path: configURL.path, reason: "cannot read")
            }
            do {
                let saved = try JSONDecoder().decode(SessionConfig.self, from: data)
                return (Session(folder: folder, config: saved), true)
            } catch {
                throw SessionError.corrupt(path: configURL.path, reason: "\(error)")
            }
        }
        do {
            try manager.createDirectory(at: folder.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
            try manager.createDirectory(at: folder.appendingPathComponent("variants"), withIntermediateDirectories: true)
        } catch {
            throw SessionError.io(path: folder.path, reason: error.localizedDescription)
        }
        let session = Session(folder: folder, config: config)
        try session.saveJSON(config, to: configURL)
        return (session, false)
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
        let state = try CheckpointFile.read(from: lastCheckpointURL)
        try metrics.retain { line in
            guard let entry = try? JSONDecoder().decode(EpochEntry.self, from: line), entry.event == "epoch" else { return true }
            return entry.epoch <= state.epochsDone
        }
        return state
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
