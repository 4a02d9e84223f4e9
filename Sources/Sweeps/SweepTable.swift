import Foundation
import Localisation
import Sessions

/// A sweep's results as one table: a row per task × precision (and, for the float model, per
/// decoder), failed and unfinished tasks marked, and a summary per setting (mean ± sample
/// standard deviation over seeds and folds). `tinyloc collect` writes it as collected.json and
/// collected.csv in the sweep folder; `SweepTable.load(from:)` reads it back.
public struct SweepTable: Codable, Equatable, Sendable {
    public struct Row: Codable, Equatable, Sendable {
        public var task: String
        /// The task's session folder (an ordinary session: open it for its variants and curves).
        public var session: String
        /// Every axis value except seed and fold: the rows that average together.
        public var setting: String
        public var model: String
        public var seed: String?
        /// The fold's test recording.
        public var fold: String?
        public var precision: String
        public var decoder: String
        public var status: TaskState.Status
        public var failed: Bool
        /// Why a task failed or is unfinished (its last words, or what is missing).
        public var message: String?
        public var testMacroF1: Double?
        public var testAccuracy: Double?
        /// Planned arena and flash of this precision's model (float32 for float).
        public var ramBytes: Int?
        public var flashBytes: Int?
        public var epochsTrained: Int?
    }

    public struct Summary: Codable, Equatable, Sendable {
        public var setting: String
        public var runs: Int
        public var failed: Int
        public var missing: Int
        public var meanMacroF1: Double?
        /// Sample standard deviation over the setting's finished runs; nil with fewer than 2.
        public var spreadMacroF1: Double?
        public var meanAccuracy: Double?
        public var ramBytes: Int?
        public var flashBytes: Int?
    }

    public var sweep: String
    public var folder: String
    public var rows: [Row]
    public var summaries: [Summary]

    /// collected.json, or a sweep folder holding one.
    public static func load(from url: URL) throws -> SweepTable {
        var isFolder: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
            ? url.appendingPathComponent("collected.json") : url
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw SweepError("\(file.path): no collected table (run tinyloc collect on the sweep folder first)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(SweepTable.self, from: data) } catch {
            throw SweepError("\(file.path) is not a collected sweep table (\(error))")
        }
    }

    /// Reads every task's report.json and variants; a task without them is a row marked with its state.
    public static func collect(_ folder: SweepFolder) throws -> SweepTable {
        let manifest = try folder.manifest()
        var rows: [Row] = []
        let axes = manifest.spec.grid.map(\.name).filter { $0 != "seed" && $0 != "fold" }
        for task in manifest.tasks {
            let status = folder.status(task)
            let state = folder.recordedState(task)
            let report = readReport(folder.reportURL(task))
            func setting(precision: String, decoder: String) -> String {
                axes.map { axis -> String in
                    let value = axis == "precision" ? precision : axis == "decode" ? decoder : task.settings[axis] ?? ""
                    return "\(axis)=\(value)"
                }.joined(separator: " ")
            }
            func row(precision: String, decoder: String) -> Row {
                Row(task: task.name, session: folder.sessionURL(task).path, setting: setting(precision: precision, decoder: decoder),
                    model: task.settings["model"] ?? manifest.spec.options["model"] ?? "mlp", seed: task.settings["seed"] ?? manifest.spec.options["seed"],
                    fold: task.settings["fold"], precision: precision, decoder: decoder, status: status,
                    failed: false, message: nil, epochsTrained: report?.epochsTrained)
            }
            // A row stands on its own output: a task that failed in a later step keeps the rows it finished.
            func marked(_ row: Row, expected: URL) -> Row {
                var row = row
                if row.testMacroF1 != nil {
                    row.status = .finished
                    return row
                }
                row.status = status == .finished ? .failed : status
                row.failed = row.status == .failed
                row.message = status == .finished ? "no score in \(expected.path)"
                    : status == .pending ? "not run yet" : (state.map { "\($0.step ?? "?"): \($0.message ?? "exit \($0.exitStatus ?? -1)")" } ?? "not run yet")
                return row
            }
            for precision in task.precisions.map(Precision.init) {
                var base = row(precision: precision.variantName, decoder: "none")
                if precision.isFloat, let report {
                    base.testMacroF1 = report.testFloat.macroF1
                    base.testAccuracy = report.testFloat.accuracy
                    base.ramBytes = report.memory?.float.arenaBytes
                    base.flashBytes = report.memory?.float.flashBytes
                } else if !precision.isFloat, let variant = readVariant(folder.variantURL(task, precision)) {
                    base.testMacroF1 = variant.test.macroF1
                    base.testAccuracy = variant.test.accuracy
                    base.ramBytes = variant.arenaBytes
                    base.flashBytes = variant.flashBytes
                }
                rows.append(marked(base, expected: precision.isFloat ? folder.reportURL(task) : folder.variantURL(task, precision)))
                guard precision.isFloat else { continue }
                // The decoders score the float model's predictions (the integer decoder's RAM is in report.json).
                for decoder in task.decoders where decoder != "none" {
                    var decoded = row(precision: precision.variantName, decoder: decoder)
                    let spec = try? DecoderSpec(parsing: decoder)
                    let score = report?.testDecoded?.first { $0.decoder == spec }
                    decoded.testMacroF1 = score?.result.macroF1
                    decoded.testAccuracy = score?.result.accuracy
                    rows.append(marked(decoded, expected: folder.reportURL(task)))
                }
            }
        }
        return SweepTable(sweep: manifest.spec.name, folder: folder.url.path, rows: rows, summaries: summarise(rows))
    }

    static func summarise(_ rows: [Row]) -> [Summary] {
        var order: [String] = []
        var groups: [String: [Row]] = [:]
        for row in rows {
            if groups[row.setting] == nil { order.append(row.setting) }
            groups[row.setting, default: []].append(row)
        }
        return order.map { setting in
            let group = groups[setting]!
            let done = group.filter { $0.status == .finished && $0.testMacroF1 != nil }
            let f1 = done.compactMap(\.testMacroF1)
            return Summary(setting: setting, runs: done.count, failed: group.filter(\.failed).count,
                           missing: group.count - done.count - group.filter(\.failed).count,
                           meanMacroF1: f1.isEmpty ? nil : mean(f1), spreadMacroF1: sampleStandardDeviation(f1),
                           meanAccuracy: done.isEmpty ? nil : mean(done.compactMap(\.testAccuracy)),
                           ramBytes: done.compactMap(\.ramBytes).max(), flashBytes: done.compactMap(\.flashBytes).max())
        }
    }

    /// The rows as CSV, a header first; text fields quoted when they hold a comma or a quote.
    public var csv: String {
        let header = "task,setting,model,seed,fold,precision,decoder,status,failed,test_macro_f1,test_accuracy,ram_bytes,flash_bytes,epochs,message,session"
        func field(_ text: String?) -> String {
            guard let text else { return "" }
            return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func number(_ value: Double?) -> String { value.map { String(format: "%.6f", $0) } ?? "" }
        let lines = rows.map { row in
            [field(row.task), field(row.setting), field(row.model), field(row.seed), field(row.fold), field(row.precision),
             field(row.decoder), row.status.rawValue, row.failed ? "true" : "false", number(row.testMacroF1), number(row.testAccuracy),
             row.ramBytes.map(String.init) ?? "", row.flashBytes.map(String.init) ?? "", row.epochsTrained.map(String.init) ?? "",
             field(row.message), field(row.session)].joined(separator: ",")
        }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }

    /// Writes collected.json and collected.csv into the sweep folder (atomically).
    public func write(to folder: SweepFolder) throws -> (json: URL, csv: URL) {
        let json = folder.url.appendingPathComponent("collected.json"), csvURL = folder.url.appendingPathComponent("collected.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try AtomicFile.write(try encoder.encode(self), to: json)
            try AtomicFile.write(Data(csv.utf8), to: csvURL)
        } catch {
            throw SweepError("cannot write the collected table into \(folder.url.path): \(error)")
        }
        return (json, csvURL)
    }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }

func sampleStandardDeviation(_ values: [Double]) -> Double? {
    guard values.count > 1 else { return nil }
    let m = mean(values)
    return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
}

// Only the fields collect reads, so a report written by an older or newer tinyloc still loads.
private struct ReportFields: Decodable {
    struct Split: Decodable { var macroF1: Double; var accuracy: Double }
    struct Plan: Decodable { var arenaBytes: Int; var flashBytes: Int }
    struct Memory: Decodable { var float: Plan }
    struct Decoded: Decodable { var decoder: DecoderSpec; var result: Split }
    var epochsTrained: Int
    var testFloat: Split
    var memory: Memory?
    var testDecoded: [Decoded]?
}

private struct VariantFields: Decodable {
    var test: ReportFields.Split
    var arenaBytes: Int
    var flashBytes: Int
}

private func readReport(_ url: URL) -> ReportFields? {
    FileManager.default.contents(atPath: url.path).flatMap { try? JSONDecoder().decode(ReportFields.self, from: $0) }
}

private func readVariant(_ url: URL) -> VariantFields? {
    FileManager.default.contents(atPath: url.path).flatMap { try? JSONDecoder().decode(VariantFields.self, from: $0) }
}
