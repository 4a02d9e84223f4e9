import Foundation
import Localisation

extension SessionConfig.DataSource {
    /// Reads or simulates the data set, with the floor plan the replay draws it on (when known).
    /// Real data is read completely and checked before anything uses it; a bad file throws a
    /// `DataFileError` naming file, line and column.
    public func load(seed: UInt64) throws -> (dataset: Dataset, plan: FloorPlan?) {
        switch kind {
        case .simulated:
            let plan = try FloorPlan.builtIn(floorPlan)
            var simulator = HomeSimulatorConfig.scriptedTour
            simulator.duration = minutesPerRecording * 60
            return (simulateDataset(plan: plan, config: simulator, recordings: recordings, seed: seed, intact: intactRecordings), plan)
        case .sphere:
            let dataset = try SphereReader.load(folder: URL(fileURLWithPath: try requirePath()), annotator: annotator)
            return (dataset, try? FloorPlan.builtIn("sphere-house"))
        case .studyCSV:
            let dataset = try StudyCSVReader.load(path: URL(fileURLWithPath: try requirePath()), house: house)
            return (dataset, nil)
        case .csv:
            guard let columns else { throw SessionError.mismatch("the csv data source needs a column mapping") }
            let dataset = try MappedCSVReader.load(path: URL(fileURLWithPath: try requirePath()), mapping: columns)
            return (dataset, nil)
        }
    }

    private func requirePath() throws -> String {
        guard let path else { throw SessionError.mismatch("the \(kind.rawValue) data source needs a path") }
        return path
    }

    /// The source for a real-data path: `format` names the layout, or it is recognised from the
    /// files (a SPHERE folder has rooms.json and train/; the study's files are csv_house_<X>_{fp,fl}.csv).
    public static func real(path: String, format: Kind? = nil, annotator: Int = 0, house: String? = nil,
                            columns: CSVColumnMapping? = nil) throws -> SessionConfig.DataSource {
        var source = SessionConfig.DataSource()
        source.path = path
        source.annotator = annotator
        source.house = house
        source.columns = columns
        if let format, format != .simulated {
            source.kind = format
        } else if columns != nil {
            source.kind = .csv
        } else {
            source.kind = try detectFormat(URL(fileURLWithPath: path))
        }
        return source
    }

    static func detectFormat(_ url: URL) throws -> Kind {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DataFileError(file: url.path, message: "not found")
        }
        if !isFolder.boolValue {
            if StudyCSVReader.parseName(url.lastPathComponent) != nil { return .studyCSV }
            throw DataFileError(file: url.path, message: "a single CSV file needs a column mapping (--columns or --columns-json)")
        }
        if manager.fileExists(atPath: url.appendingPathComponent("rooms.json").path),
           manager.fileExists(atPath: url.appendingPathComponent("train").path) {
            return .sphere
        }
        let names = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
        if names.contains(where: { StudyCSVReader.parseName($0) != nil }) { return .studyCSV }
        throw DataFileError(file: url.path, message: "not a SPHERE folder (rooms.json + train/) and no csv_house_<X>_{fp,fl}.csv files; "
                            + "for other CSV files give a column mapping (--columns or --columns-json)")
    }
}
