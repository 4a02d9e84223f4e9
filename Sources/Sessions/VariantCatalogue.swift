import Compression
import Foundation

/// Every saved variant (`variants/<name>.json`) of every session in a sessions folder, read for
/// comparison: only what a table or a plot shows is decoded, and a file that is not a variant
/// (sensitivity.json, auto-front.json, a foreign or torn file) is passed over.
public struct VariantSummary: Sendable, Decodable, Equatable {
    public struct Score: Sendable, Decodable, Equatable { public var macroF1: Double }
    /// The session folder's name (filled in by the catalogue, not read from the file).
    public var session: String = ""
    public var name: String
    public var model: String
    public var plan: PrecisionPlan
    public var validation: Score
    public var test: Score
    public var arenaBytes: Int
    public var streamingArenaBytes: Int?
    public var flashBytes: Int

    private enum CodingKeys: String, CodingKey {
        case name, model, plan, validation, test, arenaBytes, streamingArenaBytes, flashBytes
    }

    /// The RAM the model needs on the chip: the streaming arena when it streams.
    public var deployedArenaBytes: Int { streamingArenaBytes ?? arenaBytes }

    public static func all(in root: URL) -> [VariantSummary] {
        let files = FileManager.default
        var rows: [VariantSummary] = []
        for session in ((try? files.contentsOfDirectory(atPath: root.path)) ?? []).sorted() {
            let folder = root.appendingPathComponent(session).appendingPathComponent("variants")
            for file in ((try? files.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where file.hasSuffix(".json") {
                guard let data = files.contents(atPath: folder.appendingPathComponent(file).path),
                      var variant = try? JSONDecoder().decode(VariantSummary.self, from: data) else { continue }
                variant.session = session
                rows.append(variant)
            }
        }
        return rows
    }
}
