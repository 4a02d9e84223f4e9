import ArgumentParser
import Foundation
import Models
import Sessions
import Sweeps

/// `tinyloc pareto`: what each byte of RAM buys, over every saved variant of every session.
struct Pareto: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plot macro-F1 against RAM for every saved variant of every session, and list the Pareto front.",
        discussion: """
            Reads sessions/<name>/variants/*.json (written by run, compress and the workbench). Each point is a variant, \
            drawn with its family's letter; RAM is the arena on the chip (the streaming arena for models that stream), on \
            a log scale. The front lists the variants that no variant with as little RAM beats. With --sweep DIR the \
            points are a sweep's settings instead (tinyloc collect's means over seeds and folds, e.g. each model × precision \
            scored leave-one-recording-out).
            """
    )

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    @Option(help: "Score to plot: test or validation macro-F1.")
    var metric = "test"

    @Option(help: "Only the sessions of this model family.")
    var model: String?

    @Option(help: "A sweep folder (or its collected.json): plot its settings' mean test macro-F1 instead of saved variants.")
    var sweep: String?

    func validate() throws {
        guard ["test", "validation"].contains(metric) else { throw ValidationError("--metric is test or validation, got \(metric)") }
        if sweep != nil && metric != "test" { throw ValidationError("a sweep is scored on its test recordings: --metric test only") }
        if let model { _ = try parseModelKind(model) }
    }

    static let letters: [ModelKind: Character] = [
        .mlp: "m", .cnn: "c", .lstm: "l", .student: "s", .studentTiny: "t", .mamba: "a", .mambaWide: "w", .teacher: "T",
        .teacherPaper: "P",
    ]

    /// One point of the plot: a saved variant, or a sweep setting's means.
    struct Point {
        var label: String
        var model: String
        var score: Double
        var ramBytes: Int
        var flashBytes: Int?
    }

    func run() throws {
        let points = try sweep.map(Self.sweepPoints) ?? variantPoints()
        let shown = points.filter { model == nil || $0.model == model }
        guard !shown.isEmpty else { throw ValidationError("nothing to plot\(model.map { " for \($0)" } ?? "")") }
        print(Self.plot(shown, metric: metric))
        print("\nPareto front (\(metric) macro-F1 against RAM):")
        var best = -Double.infinity
        for p in shown.sorted(by: { ($0.ramBytes, -$0.score) < ($1.ramBytes, -$1.score) }) where p.score > best {
            best = p.score
            print("  " + formatBytes(p.ramBytes).padding(toLength: 10, withPad: " ", startingAt: 0)
                  + String(format: "%.3f  ", p.score) + p.label + (p.flashBytes.map { " (flash \(formatBytes($0)))" } ?? ""))
        }
    }

    private func variantPoints() throws -> [Point] {
        let root = URL(fileURLWithPath: sessionsDir)
        guard FileManager.default.fileExists(atPath: root.path) else { throw ValidationError("no sessions folder at \(root.path)") }
        let variants = VariantSummary.all(in: root)
        guard !variants.isEmpty else {
            throw ValidationError("no saved variants under \(root.path): run a session (it saves int8) or `tinyloc compress`")
        }
        return variants.map {
            Point(label: "\($0.session)/\($0.name) (\($0.model))", model: $0.model,
                  score: metric == "test" ? $0.test.macroF1 : $0.validation.macroF1, ramBytes: $0.deployedArenaBytes, flashBytes: $0.flashBytes)
        }
    }

    /// Settings with a mean score and a RAM figure (decoded settings have none: the decoder's
    /// memory is not part of the table).
    private static func sweepPoints(_ path: String) throws -> [Point] {
        let url = URL(fileURLWithPath: path)
        let table: SweepTable
        do { table = try SweepTable.load(from: url) } catch {
            table = try SweepTable.collect(SweepFolder(url))
        }
        let models = Dictionary(table.rows.map { ($0.setting, $0.model) }, uniquingKeysWith: { first, _ in first })
        return table.summaries.compactMap { s in
            guard let score = s.meanMacroF1, let ram = s.ramBytes, let model = models[s.setting] else { return nil }
            return Point(label: "\(s.setting) (\(s.runs) runs)", model: model, score: score, ramBytes: ram, flashBytes: s.flashBytes)
        }
    }

    static func plot(_ points: [Point], metric: String) -> String {
        let marks = points.map { (bytes: $0.ramBytes, score: $0.score, mark: ModelKind(rawValue: $0.model).flatMap { letters[$0] } ?? "?") }
        let present = Set(points.compactMap { ModelKind(rawValue: $0.model) })
        let legend = ModelKind.allCases.filter(present.contains).map { "\(letters[$0]!) \($0.rawValue)" }.joined(separator: " · ")
        return textScatter(marks, logarithmic: true, overlap: "*", width: 60, height: 14,
                           caption: "\(metric) macro-F1 against RAM on the chip (log scale) · \(legend) · * several")
    }
}
