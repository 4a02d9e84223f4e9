import Foundation

/// Which column of a CSV is what, for data in no layout tinyloc knows. As JSON:
///
///     {"time": "t", "receivers": ["ap1", "ap2"], "room": "label",
///      "accelerometer": ["ax", "ay", "az"], "rooms": ["hall", "kitchen"], "timeScale": 0.001, "ignore": ["note"]}
///
/// or on the command line: `time=t,receivers=ap1|ap2,room=label,accelerometer=ax|ay|az,rooms=hall|kitchen,timeScale=0.001,ignore=note`.
public struct CSVColumnMapping: Codable, Sendable, Equatable {
    /// The time column; its values times `timeScale` are seconds, non-decreasing.
    public var time: String
    public var timeScale: Double?
    /// RSSI columns in dBm; an empty cell means not heard.
    public var receivers: [String]
    /// Room names, one per row; an empty cell means unlabelled.
    public var room: String
    /// The x, y, z columns in g, when there is an accelerometer.
    public var accelerometer: [String]?
    /// The rooms in class order; a name not listed is an error. nil: the names found, sorted.
    public var rooms: [String]?
    /// Columns to skip. Any other column the mapping does not name is an error, so a misspelt
    /// mapping is caught rather than silently dropping a receiver.
    public var ignore: [String]?

    public init(time: String, timeScale: Double? = nil, receivers: [String], room: String, accelerometer: [String]? = nil,
                rooms: [String]? = nil, ignore: [String]? = nil) {
        self.time = time
        self.timeScale = timeScale
        self.receivers = receivers
        self.room = room
        self.accelerometer = accelerometer
        self.rooms = rooms
        self.ignore = ignore
    }

    /// Parses the command-line form; throws a message naming the bad part.
    public init(parsing text: String) throws {
        var values: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else { throw MappingError("expected key=value, got \"\(part)\"") }
            guard ["time", "timeScale", "receivers", "room", "accelerometer", "rooms", "ignore"].contains(pair[0]) else {
                throw MappingError("unknown key \"\(pair[0])\" (time, timeScale, receivers, room, accelerometer, rooms, ignore)")
            }
            values[pair[0]] = pair[1]
        }
        func list(_ key: String) -> [String]? { values[key].map { $0.split(separator: "|").map(String.init) } }
        guard let time = values["time"], let room = values["room"], let receivers = list("receivers"), !receivers.isEmpty else {
            throw MappingError("time, room and receivers are required")
        }
        var scale: Double?
        if let text = values["timeScale"] {
            guard let v = Double(text), v > 0, v.isFinite else { throw MappingError("timeScale must be a positive number, got \"\(text)\"") }
            scale = v
        }
        self.init(time: time, timeScale: scale, receivers: receivers, room: room, accelerometer: list("accelerometer"),
                  rooms: list("rooms"), ignore: list("ignore"))
        try check()
    }

    public static func load(json url: URL) throws -> CSVColumnMapping {
        guard let data = try? Data(contentsOf: url) else { throw DataFileError(file: url.path, message: "file not found or unreadable") }
        let mapping: CSVColumnMapping
        do { mapping = try JSONDecoder().decode(CSVColumnMapping.self, from: data) } catch {
            throw DataFileError(file: url.path, message: "not a column mapping: \(error)")
        }
        do { try mapping.check() } catch let error as MappingError { throw DataFileError(file: url.path, message: error.description) }
        return mapping
    }

    public func check() throws {
        // A JSON mapping skips the command line's parsing, so the scale is checked here for both.
        if let timeScale, !(timeScale > 0 && timeScale.isFinite) { throw MappingError("timeScale must be a positive number, got \(timeScale)") }
        if let accelerometer, accelerometer.count != 3 { throw MappingError("accelerometer needs 3 columns (x|y|z), got \(accelerometer.count)") }
        let named = [time, room] + receivers + (accelerometer ?? [])
        if let twice = named.first(where: { name in named.filter { $0 == name }.count > 1 }) {
            throw MappingError("column \"\(twice)\" is mapped twice")
        }
        if let rooms, rooms.isEmpty || Set(rooms).count != rooms.count { throw MappingError("rooms must be non-empty and distinct") }
        if let rooms, rooms.count > PhysicalLimits.maxRooms { throw MappingError("\(rooms.count) rooms, at most \(PhysicalLimits.maxRooms)") }
        if receivers.count > PhysicalLimits.maxReceivers { throw MappingError("\(receivers.count) receivers, at most \(PhysicalLimits.maxReceivers)") }
    }

    public struct MappingError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Reads CSV files described by a `CSVColumnMapping`: one file is one recording (named by the
/// file name without .csv). `path` is a file or a folder whose *.csv files are read in name order.
public enum MappedCSVReader {
    public static func load(path: URL, mapping: CSVColumnMapping) throws -> Dataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else {
            throw DataFileError(file: path.path, message: "file not found")
        }
        let files: [URL] = isFolder.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path.path)) ?? []).filter { $0.hasSuffix(".csv") }.sorted()
                .map { path.appendingPathComponent($0) }
            : [path]
        guard !files.isEmpty else { throw DataFileError(file: path.path, message: "no .csv files") }
        var read: [(recording: Recording, rooms: [String?])] = []
        for file in files { read.append(try readFile(file, mapping: mapping)) }

        let rooms = mapping.rooms ?? Set(read.flatMap { $0.rooms.compactMap { $0 } }).sorted()
        guard !rooms.isEmpty else { throw DataFileError(file: path.path, message: "no labelled rows") }
        guard rooms.count <= PhysicalLimits.maxRooms else {
            throw DataFileError(file: path.path, message: "\(rooms.count) distinct room names, at most \(PhysicalLimits.maxRooms) (is the room column right?)")
        }
        let index = Dictionary(uniqueKeysWithValues: rooms.enumerated().map { ($1, $0) })
        let recordings = read.map { item in
            var recording = item.recording
            recording.intervals = intervals(fromRowLabels: item.rooms.map { $0.flatMap { index[$0] } }, times: recording.times)
            return recording
        }
        return Dataset(name: isFolder.boolValue ? path.lastPathComponent : path.deletingPathExtension().lastPathComponent,
                       rooms: rooms, receivers: mapping.receivers, recordings: recordings)
    }

    private static func readFile(_ url: URL, mapping: CSVColumnMapping) throws -> (recording: Recording, rooms: [String?]) {
        let table = try RowTable(url: url)
        let known = Set([mapping.time, mapping.room] + mapping.receivers + (mapping.accelerometer ?? []) + (mapping.ignore ?? []))
        if let extra = table.header.first(where: { !known.contains($0) }) {
            throw DataFileError(file: table.path, line: 1, column: extra, message: "extra column the mapping does not name (map it, or list it under ignore)")
        }
        let timeColumn = try table.column(mapping.time)
        let roomColumn = try table.column(mapping.room)
        let receiverColumns = try mapping.receivers.map(table.column)
        let accelColumns = try mapping.accelerometer?.map(table.column)
        let scale = mapping.timeScale ?? 1
        var times: [Double] = [], rssi: [Float] = [], accel: [Float] = [], rooms: [String?] = []
        for row in table.rows {
            let fields = try table.fields(row)
            let t = try table.number(fields, timeColumn, line: row.number) * scale
            try table.csv.requireTime(t, line: row.number, column: mapping.time)
            try table.checkOrder(t, after: times.last, line: row.number, column: timeColumn)
            times.append(t)
            for c in receiverColumns {
                let dBm = try table.optionalNumber(fields, c, line: row.number)
                if let dBm {
                    try table.csv.require(dBm, in: PhysicalLimits.rssiDBm, unit: "dBm", what: "RSSI", line: row.number, column: table.header[c])
                }
                rssi.append(dBm.map(Float.init) ?? .nan)
            }
            for c in accelColumns ?? [] {
                let g = try table.number(fields, c, line: row.number)
                try table.csv.require(g, in: PhysicalLimits.accelerationG, unit: "g", what: "acceleration", line: row.number, column: table.header[c])
                accel.append(Float(g))
            }
            let room = table.text(fields, roomColumn)
            if !room.isEmpty, let allowed = mapping.rooms, !allowed.contains(room) {
                throw DataFileError(file: table.path, line: row.number, column: mapping.room,
                                    message: "unknown room \"\(room)\" (the mapping lists \(allowed.joined(separator: ", ")))")
            }
            rooms.append(room.isEmpty ? nil : room)
        }
        let recording = Recording(name: url.deletingPathExtension().lastPathComponent, receivers: mapping.receivers, times: times,
                                  rssi: rssi, accel: accelColumns == nil ? nil : accel, intervals: [])
        return (recording, rooms)
    }
}
