import ArgumentParser
import Foundation
import Localisation
import Sessions

/// `tinyloc coverage`: per recording, which receivers report and how often.
struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-recording receiver coverage: share of packets each receiver heard and its mean RSSI; silent receivers marked."
    )

    @OptionGroup var dataOptions: DataOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let source = try dataOptions.realSource() ?? SessionConfig.DataSource()
        let (dataset, _) = try source.load(seed: 1)
        let table = ReceiverCoverage.table(dataset)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(table), as: UTF8.self))
            return
        }
        print(Self.render(table, receivers: dataset.receivers, source: dataset.name))
        for note in dataset.notes { print("note: \(note)") }
    }

    static func render(_ table: [ReceiverCoverage], receivers: [String], source: String) -> String {
        let width = max(14, (receivers.map(\.count).max() ?? 0) + 2)
        func cell(_ text: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - text.count)) + text }
        var lines = ["receiver coverage · \(source) · heard % of packets (mean dBm); — = silent for the whole recording"]
        lines.append(cell("recording", 10) + cell("packets", 9) + cell("minutes", 9) + cell("labelled", 10)
                     + receivers.map { cell($0, width) }.joined())
        for row in table {
            let receiverCells = row.receivers.map { r -> String in
                guard let mean = r.meanRSSI else { return cell("—", width) }
                return cell(String(format: "%.0f%% (%.0f)", r.heardRate * 100, mean), width)
            }
            lines.append(cell(row.recording, 10) + cell(String(row.packets), 9) + cell(String(format: "%.1f", row.seconds / 60), 9)
                         + cell(String(format: "%.0f%%", row.seconds > 0 ? 100 * row.labelledSeconds / row.seconds : 0), 10)
                         + receiverCells.joined())
        }
        return lines.joined(separator: "\n")
    }
}
