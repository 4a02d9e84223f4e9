import ArgumentParser
import Foundation
import Sweeps

/// `tinyloc collect DIR`: a sweep's reports as one table (CSV + JSON) and a summary per setting.
struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gather a sweep's results: DIR/collected.csv and DIR/collected.json, and the mean ± spread of test macro-F1 per setting.",
        discussion: """
            A row per task and precision (and per decoder, for the float model); a setting is every axis value but \
            seed and fold, so its mean and sample standard deviation run over seeds and folds. Failed and unfinished \
            tasks are rows too, marked, with the reason; they never hide the others' results.
            """
    )

    @Argument(help: "The sweep's folder.")
    var dir: String

    func run() throws {
        let folder = SweepFolder(URL(fileURLWithPath: dir))
        let table = try wrapped { try SweepTable.collect(folder) }
        let (json, csv) = try wrapped { try table.write(to: folder) }
        print(Self.summary(table))
        print("table: \(csv.path) · \(json.path)")
    }

    static func summary(_ table: SweepTable) -> String {
        let width = max(7, table.summaries.map(\.setting.count).max() ?? 0)
        var lines = ["sweep \(table.sweep): \(table.rows.count) rows, test macro-F1 per setting (mean ± sample sd over seeds and folds)",
                     "setting".padding(toLength: width, withPad: " ", startingAt: 0) + "  runs  failed  missing  macro-F1        accuracy  RAM       flash"]
        for summary in table.summaries {
            let f1 = summary.meanMacroF1.map { mean in
                String(format: "%.3f", mean) + (summary.spreadMacroF1.map { String(format: " ± %.3f", $0) } ?? "        ")
            } ?? "—"
            lines.append(summary.setting.padding(toLength: width, withPad: " ", startingAt: 0)
                         + String(format: "  %4d  %6d  %7d  ", summary.runs, summary.failed, summary.missing)
                         + f1.padding(toLength: 14, withPad: " ", startingAt: 0)
                         + "  " + (summary.meanAccuracy.map { String(format: "%.3f", $0) } ?? "—").padding(toLength: 8, withPad: " ", startingAt: 0)
                         + "  " + (summary.ramBytes.map(formatBytes) ?? "—").padding(toLength: 8, withPad: " ", startingAt: 0)
                         + "  " + (summary.flashBytes.map(formatBytes) ?? "—"))
        }
        var reported = Set<String>()
        for row in table.rows where row.status != .finished && reported.insert(row.task + row.precision + row.decoder).inserted {
            lines.append("\(row.failed ? "FAILED" : row.status.rawValue) \(row.task) (\(row.precision), \(row.decoder)): \(row.message ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
