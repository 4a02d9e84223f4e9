import Foundation

/// Reads the CSV layout of the study's code: `csv_house_<X>_fp.csv` (the fingerprint walk, for
/// training) and `csv_house_<X>_fl.csv` (free living, for testing), one row per reading:
///
///     <time or index>,<receiver 1>,…,<receiver R>,<room>
///
/// The first column is the time in seconds; when its header is empty, "index" or pandas'
/// "Unnamed: 0" it only numbers the rows, and row i is at i · `rowPeriod` seconds. An RSSI cell that
/// is empty or at or below `silentRSSI` (−120 dBm, the study's fill value for "not heard") means the
/// receiver did not hear that reading. The room is a 1-based number into the rooms (an empty cell:
/// unlabelled). Room names come from `rooms.json` beside the files when present (a JSON array, in
/// label order), else are "room 1" … "room N" for the largest label seen.
/// Recordings are named "<X>-fp" and "<X>-fl", fingerprint first. Both files must name the same
/// receivers in the same order.
public enum StudyCSVReader {
    /// `path`: a folder holding the files, or one of the files. `house`: which X when the folder
    /// holds several houses. `rowPeriod`: seconds between rows of an index-only first column.
    public static func load(path: URL, house: String? = nil, rowPeriod: Double = 0.2) throws -> Dataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else {
            throw DataFileError(file: path.path, message: "file not found")
        }
        let folder = isFolder.boolValue ? path : path.deletingLastPathComponent()
        let names = isFolder.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []) : [path.lastPathComponent]
        let parsed = names.compactMap { name in parseName(name).map { (name: name, house: $0.house, part: $0.part) } }
        let houses = Set(parsed.map(\.house)).sorted()
        let chosen: String
        if let house {
            guard houses.contains(house) else {
                throw DataFileError(file: folder.path, message: "no csv_house_\(house)_{fp,fl}.csv (houses here: \(houses.joined(separator: ", ")))")
            }
            chosen = house
        } else {
            guard let only = houses.first else { throw DataFileError(file: path.path, message: "no csv_house_<X>_{fp,fl}.csv files") }
            guard houses.count == 1 else {
                throw DataFileError(file: folder.path, message: "several houses (\(houses.joined(separator: ", "))): choose one with --house")
            }
            chosen = only
        }
        let files = parsed.filter { $0.house == chosen }.sorted { $0.part == "fp" && $1.part == "fl" }
        let roomsFile = folder.appendingPathComponent("rooms.json")
        let named: [String]? = FileManager.default.fileExists(atPath: roomsFile.path) ? try SphereReader.readRooms(roomsFile) : nil

        var receivers: [String]?
        var read: [(recording: Recording, labels: [Int?])] = []
        for file in files {
            let table = try RowTable(url: folder.appendingPathComponent(file.name))
            guard table.header.count >= 3 else {
                throw DataFileError(file: table.path, line: 1, message: "expected a time or index column, at least one receiver column and a room column")
            }
            let fileReceivers = Array(table.header.dropFirst().dropLast())
            guard fileReceivers.count <= PhysicalLimits.maxReceivers else {
                throw DataFileError(file: table.path, line: 1, message: "\(fileReceivers.count) receiver columns, at most \(PhysicalLimits.maxReceivers)")
            }
            if let receivers, receivers != fileReceivers {
                throw DataFileError(file: table.path, line: 1, message: "receivers \(fileReceivers) differ from the other file's \(receivers)")
            }
            receivers = fileReceivers
            read.append(try readRows(table, name: "\(chosen)-\(file.part)", receivers: fileReceivers, rooms: named, rowPeriod: rowPeriod))
        }
        let rooms: [String]
        if let named {
            rooms = named
        } else if let largest = read.flatMap({ $0.labels.compactMap { $0 } }).max() {
            rooms = (0...largest).map { "room \($0 + 1)" }
        } else {
            rooms = []
        }
        guard let receivers, !rooms.isEmpty else { throw DataFileError(file: folder.path, message: "no labelled rows") }
        let recordings = read.map { item in
            var recording = item.recording
            recording.intervals = intervals(fromRowLabels: item.labels, times: recording.times)
            return recording
        }
        return Dataset(name: "study-\(chosen)", rooms: rooms, receivers: receivers, recordings: recordings)
    }

    /// ("A", "fp") for "csv_house_A_fp.csv", nil for any other name.
    public static func parseName(_ name: String) -> (house: String, part: String)? {
        guard name.hasPrefix("csv_house_"), name.hasSuffix(".csv") else { return nil }
        let core = name.dropFirst("csv_house_".count).dropLast(".csv".count)
        for part in ["fp", "fl"] where core.hasSuffix("_\(part)") {
            let house = String(core.dropLast(part.count + 1))
            return house.isEmpty ? nil : (house, part)
        }
        return nil
    }

    private static func readRows(_ table: RowTable, name: String, receivers: [String], rooms: [String]?,
                                 rowPeriod: Double) throws -> (recording: Recording, labels: [Int?]) {
        let indexOnly = ["", "index", "Unnamed: 0"].contains(table.header[0])
        let r = receivers.count
        let roomColumn = table.header.count - 1
        var times: [Double] = [], rssi: [Float] = [], labels: [Int?] = []
        for (i, row) in table.rows.enumerated() {
            let fields = try table.fields(row)
            let first = try table.number(fields, 0, line: row.number)
            let t = indexOnly ? Double(i) * rowPeriod : first
            try table.csv.requireTime(t, line: row.number, column: table.header[0])
            try table.checkOrder(t, after: times.last, line: row.number, column: 0)
            times.append(t)
            for k in 0..<r {
                // Any value at or below the fill value is "not heard", however far below.
                let v = try table.optionalNumber(fields, 1 + k, line: row.number).flatMap { $0 <= Double(silentRSSI) ? nil : $0 }
                if let v {
                    try table.csv.require(v, in: PhysicalLimits.rssiDBm, unit: "dBm", what: "RSSI", line: row.number, column: table.header[1 + k])
                }
                rssi.append(v.map(Float.init) ?? .nan)
            }
            let label = table.text(fields, roomColumn)
            if label.isEmpty {
                labels.append(nil)
                continue
            }
            guard let number = Double(label), number == number.rounded(), number >= 1,
                  number <= Double(rooms?.count ?? PhysicalLimits.maxRooms) else {
                let known = rooms.map { "1…\($0.count)" } ?? "a whole number 1…\(PhysicalLimits.maxRooms)"
                throw DataFileError(file: table.path, line: row.number, column: table.header[roomColumn],
                                    message: "unknown room \"\(label)\" (expected \(known))")
            }
            labels.append(Int(number) - 1)
        }
        return (Recording(name: name, receivers: receivers, times: times, rssi: rssi, accel: nil, intervals: []), labels)
    }
}
