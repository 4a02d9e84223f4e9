import ArgumentParser
import Foundation
import Localisation
import Sessions

/// `tinyloc windows`: the exact windows (and cross-validation folds) tinyloc trains on, for tools
/// outside tinyloc such as the RandomForest reference in bench/reference.
struct WindowsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "windows",
        abstract: "Export the windows and the leave-one-recording-out folds: <out> is CSV, <out>.json describes it.",
        discussion: """
            CSV: a header, then one row per window: recording (name), start (s), label (room index), then the \
            T·F features step-major (column "s<step>:<feature>"), with the fixed physical scaling. \
            JSON: rooms, receivers, recordings, feature names, window shape, and the folds `tinyloc cv` uses.
            """
    )

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "The CSV file to write (its description goes to <out>.json).")
    var out: String

    @Option(help: "Simulated home only: recordings to generate.")
    var recordings = 6

    @Option(help: "Simulated home only: minutes per recording.")
    var minutes: Double = 30

    @Option(help: "Seed of the simulated home.")
    var seed: UInt64 = 1

    struct Description: Codable {
        struct Fold: Codable {
            var test: String
            var validation: String
            var train: [String]
        }
        var source: String
        var rooms: [String]
        var receivers: [String]
        var recordings: [String]
        var windowsPerRecording: [String: Int]
        var length: Int
        var features: Int
        var featureNames: [String]
        var window: WindowConfig
        var folds: [Fold]
    }

    func run() throws {
        var source = SessionConfig.DataSource()
        source.recordings = recordings
        source.minutesPerRecording = minutes
        // Every recording is held out in turn here, outages included, as in the published tables.
        source.intactRecordings = 0
        if let real = try dataOptions.realSource() { source = real }
        let (dataset, _) = try source.load(seed: seed)
        var config = WindowConfig()
        config.maxGap = dataOptions.gapLimit
        let perRecording = dataset.recordings.indices.map { makeWindows(dataset: dataset, recordings: [$0], config: config) }
        let names = dataset.recordings.map(\.name)
        let plans = try CrossValidation.plan(windowCounts: perRecording.map(\.count))
        let all = WindowSet.concatenating(perRecording)

        var text = "recording,start,label"
        for step in 0..<all.length { for name in all.featureNames { text += ",s\(step):\(name)" } }
        text += "\n"
        let size = all.length * all.features
        for w in 0..<all.count {
            text += "\(names[all.recordingIndex[w]]),\(all.startTimes[w]),\(all.labels[w])"
            for v in all.x[(w * size)..<((w + 1) * size)] { text += ",\(v)" }
            text += "\n"
        }
        let url = URL(fileURLWithPath: out)
        try Data(text.utf8).write(to: url, options: .atomic)
        let description = Description(
            source: dataset.name, rooms: dataset.rooms, receivers: dataset.receivers, recordings: names,
            windowsPerRecording: Dictionary(uniqueKeysWithValues: zip(names, perRecording.map(\.count))),
            length: all.length, features: all.features, featureNames: all.featureNames, window: config,
            folds: plans.map { .init(test: names[$0.test], validation: names[$0.validation], train: $0.train.map { names[$0] }) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(description).write(to: URL(fileURLWithPath: out + ".json"), options: .atomic)
        print("\(all.count) windows of \(all.length) steps × \(all.features) features from \(names.count) recordings → \(out) (+ \(out).json)")
    }
}
