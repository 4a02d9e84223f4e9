import ArgumentParser
import Foundation
import Models
import Sessions

/// `tinyloc pareto`: what each byte of RAM buys, over every saved variant of every session.
struct Pareto: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plot macro-F1 against RAM for every saved variant of every session, and list the Pareto front.",
        discussion: """
            Reads sessions/<name>/variants/*.json (written by run, compress and the workbench). Each point is a variant, \
            drawn with its family's letter; RAM is the arena on the chip (the streaming arena for models that stream), on \
            a log scale. The front lists the variants that no variant with as little RAM beats.
            """
    )

    @Option(help: "Folder that holds the sessions.")
    var sessionsDir = "sessions"

    @Option(help: "Score to plot: test or validation macro-F1.")
    var metric = "test"

    @Option(help: "Only the sessions of this model family.")
    var model: String?

    func validate() throws {
        guard ["test", "validation"].contains(metric) else { throw ValidationError("--metric is test or validation, got \(metric)") }
        if let model { _ = try parseModelKind(model) }
    }

    static let letters: [ModelKind: Character] = [
        .mlp: "m", .cnn: "c", .lstm: "l", .student: "s", .studentTiny: "t", .mamba: "a", .mambaWide: "w", .teacher: "T",
        .teacherPaper: "P",
    ]

    func run() throws {
        let root = URL(fileURLWithPath: sessionsDir)
        guard FileManager.default.fileExists(atPath: root.path) else { throw ValidationError("no sessions folder at \(root.path)") }
        let variants = VariantSummary.all(in: root).filter { model == nil || $0.model == model }
        guard !variants.isEmpty else {
            throw ValidationError("no saved variants under \(root.path): run a session (it saves int8) or `tinyloc compress`")
        }
        let score: (VariantSummary) -> Double = metric == "test" ? { $0.test.macroF1 } : { $0.validation.macroF1 }
        print(Self.plot(variants, score: score, metric: metric))
        print("\nPareto front (\(metric) macro-F1 against RAM):")
        for v in VariantSummary.front(variants, score: score) {
            print("  " + formatBytes(v.deployedArenaBytes).padding(toLength: 10, withPad: " ", startingAt: 0)
                  + String(format: "%.3f  ", score(v)) + "\(v.session)/\(v.name) (\(v.model), flash \(formatBytes(v.flashBytes)))")
        }
    }

    static func plot(_ variants: [VariantSummary], score: (VariantSummary) -> Double, metric: String,
                     width: Int = 60, height: Int = 14) -> String {
        let ram = variants.map { log2(Double(max(1, $0.deployedArenaBytes))) }
        let scores = variants.map(score)
        let (lowX, highX) = (ram.min()!, ram.max()!), (lowY, highY) = (scores.min()!, scores.max()!)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        for (i, v) in variants.enumerated() {
            let x = highX == lowX ? 0.5 : (ram[i] - lowX) / (highX - lowX)
            let y = highY == lowY ? 0.5 : (scores[i] - lowY) / (highY - lowY)
            let row = height - 1 - Int((y * Double(height - 1)).rounded()), column = Int((x * Double(width - 1)).rounded())
            let letter = ModelKind(rawValue: v.model).flatMap { letters[$0] } ?? "?"
            grid[row][column] = grid[row][column] == " " || grid[row][column] == letter ? letter : "*"
        }
        var lines = grid.enumerated().map { index, row -> String in
            let label = index == 0 ? String(format: "%.3f", highY) : index == height - 1 ? String(format: "%.3f", lowY) : ""
            return label.padding(toLength: 6, withPad: " ", startingAt: 0) + "│" + String(row)
        }
        lines.append("      └" + String(repeating: "─", count: width))
        let left = formatBytes(Int(exp2(lowX).rounded())), right = formatBytes(Int(exp2(highX).rounded()))
        lines.append("       " + left + String(repeating: " ", count: max(1, width - left.count - right.count)) + right)
        let present = Set(variants.compactMap { ModelKind(rawValue: $0.model) })
        let legend = ModelKind.allCases.filter(present.contains).map { "\(letters[$0]!) \($0.rawValue)" }.joined(separator: " · ")
        lines.append("       \(metric) macro-F1 against RAM on the chip (log scale) · \(legend) · * several")
        return lines.joined(separator: "\n")
    }
}
