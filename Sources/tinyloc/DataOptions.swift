import ArgumentParser
import Foundation
import Localisation
import Models
import Sessions

/// Where the data comes from and how it becomes windows; shared by run, cv, coverage and windows.
struct DataOptions: ParsableArguments {
    @Option(help: "Real data: a SPHERE folder (rooms.json + train/), a folder or file of the study's csv_house_<X>_{fp,fl}.csv, or CSV files with --columns. Default: the simulated home.")
    var data: String?

    @Option(help: "Layout of --data: sphere, study-csv or csv (default: recognised from the files).")
    var format: String?

    @Option(parsing: .unconditional, help: "SPHERE: whose room labels to use, location_<annotator>.csv.")
    var annotator = 0

    @Option(help: "Study CSV: which house (the X of csv_house_<X>_…) when the folder holds several.")
    var house: String?

    @Option(help: "Generic CSV: column mapping, e.g. \"time=t,receivers=ap1|ap2,room=label,accelerometer=x|y|z\" (keys: time, timeScale, receivers, room, accelerometer, rooms, ignore).")
    var columns: String?

    @Option(help: "Generic CSV: the column mapping as a JSON file (same keys as --columns, lists as arrays).")
    var columnsJson: String?

    @Option(parsing: .unconditional, help: "Longest silence between packets (s, beyond the usual packet interval) a window may span; default one step (0.2 s); 'inf' to ignore gaps.")
    var maxGap: Double?

    @Option(help: "Input scaling: fixed (the physical RSSI map, default) or minmax (fitted on the training recordings only, stored with the model).")
    var scaling: String?

    func validate() throws {
        if let format, SessionConfig.DataSource.Kind(rawValue: format) == nil || format == "simulated" {
            throw ValidationError("unknown --format '\(format)'; choose sphere, study-csv or csv")
        }
        if data == nil, format != nil || house != nil || columns != nil || columnsJson != nil {
            throw ValidationError("--format, --house, --columns and --columns-json describe --data; give --data too")
        }
        if columns != nil && columnsJson != nil { throw ValidationError("give --columns or --columns-json, not both") }
        if annotator < 0 { throw ValidationError("--annotator must not be negative") }
        if let maxGap, !(maxGap >= 0) { throw ValidationError("--max-gap must be a non-negative number of seconds (or inf)") }
        if let scaling, FeatureScaling(rawValue: scaling) == nil {
            throw ValidationError("unknown --scaling '\(scaling)'; choose \(FeatureScaling.allCases.map(\.rawValue).joined(separator: " or "))")
        }
    }

    var featureScaling: FeatureScaling? { scaling.flatMap(FeatureScaling.init) }

    /// `--max-gap inf` as the largest finite value: the same windows, and JSON (session.json,
    /// reports) cannot hold an infinity.
    var gapLimit: Double? { maxGap.map { $0.isFinite ? $0 : .greatestFiniteMagnitude } }

    /// The real-data source, or nil for the simulated home.
    func realSource() throws -> SessionConfig.DataSource? {
        guard let data else { return nil }
        var mapping: CSVColumnMapping?
        if let columns {
            do { mapping = try CSVColumnMapping(parsing: columns) } catch let error as CSVColumnMapping.MappingError {
                throw ValidationError("--columns: \(error.description)")
            }
        }
        if let columnsJson { mapping = try CSVColumnMapping.load(json: URL(fileURLWithPath: columnsJson)) }
        return try .real(path: data, format: format.flatMap(SessionConfig.DataSource.Kind.init), annotator: annotator,
                         house: house, columns: mapping)
    }
}

/// Parses "1,2,3" into seeds.
func parseSeeds(_ text: String) throws -> [UInt64] {
    let seeds = text.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
    guard !seeds.isEmpty, seeds.allSatisfy({ $0 != nil }) else {
        throw ValidationError("--seeds takes non-negative integers separated by commas, got '\(text)'")
    }
    return seeds.map { $0! }
}

/// `--crf` asks for the CRF head, which only the teachers have.
func checkCRF(_ crf: Bool, model: ModelKind) throws {
    if crf, !ModelConfig(kind: model).canLabelSteps {
        throw ValidationError("--crf needs --model teacher or teacher-paper (the models with a CRF head)")
    }
}

func parseModelKind(_ text: String, option: String = "--model") throws -> ModelKind {
    guard let kind = ModelKind(rawValue: text) else {
        throw ValidationError("unknown \(option) '\(text)'; choose one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return kind
}
