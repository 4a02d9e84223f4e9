import Foundation

/// Reads the SPHERE challenge layout (see ../shared/data/sphere/README.md):
///
///     <folder>/rooms.json                      ["bath", "bed1", …]   class order
///     <folder>/train/<id>/acceleration.csv     t,x,y,z,<receiver>…   empty RSSI cell = not heard
///     <folder>/train/<id>/location_<a>.csv     start,end,name,index  annotator a
///
/// Receivers are the columns after z in the first recording; later recordings must name the same
/// receivers (in any order). Recordings without a file for the chosen annotator are left out
/// (listed in `Dataset.notes`); a recording folder without acceleration.csv is an error.
/// Anything malformed throws a `DataFileError` naming file, line and column; nothing half-read is returned.
public enum SphereReader {
    /// `only`: recording ids (folder names such as "00006") to read; nil reads all.
    public static func load(folder: URL, annotator: Int = 0, only: [String]? = nil) throws -> Dataset {
        let rooms = try readRooms(folder.appendingPathComponent("rooms.json"))
        let train = folder.appendingPathComponent("train")
        let ids: [String]
        do {
            ids = try FileManager.default.contentsOfDirectory(atPath: train.path).sorted()
        } catch {
            throw DataFileError(file: train.path, message: "no recordings folder")
        }
        var receivers: [String]?
        var recordings: [Recording] = []
        var notes: [String] = []
        for id in ids where only?.contains(id) ?? true {
            let dir = train.appendingPathComponent(id)
            let locations = dir.appendingPathComponent("location_\(annotator).csv")
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isFolder), isFolder.boolValue else { continue }
            // Only some recordings have a second annotator, so a missing label file leaves the
            // recording out (and says so); missing samples are an error.
            guard FileManager.default.fileExists(atPath: locations.path) else {
                notes.append("\(id) has no location_\(annotator).csv and is left out")
                continue
            }
            var recording = try readSamples(dir.appendingPathComponent("acceleration.csv"), name: id, receivers: receivers)
            receivers = recording.receivers
            recording.intervals = try readIntervals(locations, rooms: rooms)
            recordings.append(recording)
        }
        guard let receivers, !recordings.isEmpty else {
            throw DataFileError(file: train.path, message: "no recording has acceleration.csv and location_\(annotator).csv")
        }
        var dataset = Dataset(name: "sphere", rooms: rooms, receivers: receivers, recordings: recordings)
        dataset.notes = notes
        return dataset
    }

    static func readRooms(_ url: URL) throws -> [String] {
        guard let data = try? Data(contentsOf: url) else { throw DataFileError(file: url.path, message: "file not found or unreadable") }
        guard let rooms = try? JSONDecoder().decode([String].self, from: data) else {
            throw DataFileError(file: url.path, message: "expected a JSON array of room names")
        }
        guard !rooms.isEmpty, Set(rooms).count == rooms.count else {
            throw DataFileError(file: url.path, message: "room names must be non-empty and distinct")
        }
        guard rooms.count <= PhysicalLimits.maxRooms else {
            throw DataFileError(file: url.path, message: "\(rooms.count) rooms, at most \(PhysicalLimits.maxRooms)")
        }
        return rooms
    }

    /// Reads acceleration.csv. With `receivers` given, the file's receiver columns are reordered to it.
    static func readSamples(_ url: URL, name: String, receivers expected: [String]?) throws -> Recording {
        let csv = try CSVFile(url: url)
        let header = csv.fields(csv.lines[0].range).map { csv.text($0).trimmingCharacters(in: .whitespaces) }
        guard header.count > 4, Array(header.prefix(4)) == ["t", "x", "y", "z"] else {
            throw DataFileError(file: csv.path, line: csv.lines[0].number, message: "header must start with t,x,y,z and name at least one receiver")
        }
        let fileReceivers = Array(header.dropFirst(4))
        guard fileReceivers.count <= PhysicalLimits.maxReceivers else {
            throw DataFileError(file: csv.path, line: csv.lines[0].number, message: "\(fileReceivers.count) receiver columns, at most \(PhysicalLimits.maxReceivers)")
        }
        let receivers = expected ?? fileReceivers
        guard Set(fileReceivers).count == fileReceivers.count else {
            throw DataFileError(file: csv.path, line: csv.lines[0].number, message: "a receiver column is named twice")
        }
        guard Set(fileReceivers) == Set(receivers), fileReceivers.count == receivers.count else {
            throw DataFileError(file: csv.path, line: csv.lines[0].number,
                                message: "receivers \(fileReceivers) differ from the other recordings' \(receivers)")
        }
        let slot = fileReceivers.map { receivers.firstIndex(of: $0)! }
        let r = receivers.count
        let rows = csv.lines.count - 1
        guard rows > 0 else { throw DataFileError(file: csv.path, message: "no samples after the header") }
        var times = [Double](repeating: 0, count: rows)
        var accel = [Float](repeating: 0, count: rows * 3)
        var rssi = [Float](repeating: .nan, count: rows * r)
        for (i, line) in csv.lines.dropFirst().enumerated() {
            let fields = csv.fields(line.range)
            if fields.count > header.count {
                throw DataFileError(file: csv.path, line: line.number, column: "field \(header.count + 1)",
                                    message: "extra field beyond the header's \(header.count) columns")
            }
            guard fields.count == header.count else {
                throw DataFileError(file: csv.path, line: line.number, message: "\(fields.count) fields, header has \(header.count)")
            }
            func value(_ c: Int) throws -> Double {
                guard let v = csv.number(fields[c]) else {
                    throw DataFileError(file: csv.path, line: line.number, column: header[c],
                                        message: csv.isEmpty(fields[c]) ? "empty" : "\"\(csv.text(fields[c]))\" is not a finite number")
                }
                return v
            }
            times[i] = try value(0)
            try csv.requireTime(times[i], line: line.number, column: "t")
            if i > 0 && times[i] < times[i - 1] {
                throw DataFileError(file: csv.path, line: line.number, column: "t", message: "time goes backwards (\(times[i]) after \(times[i - 1]))")
            }
            for axis in 0..<3 {
                let g = try value(1 + axis)
                try csv.require(g, in: PhysicalLimits.accelerationG, unit: "g", what: "acceleration", line: line.number, column: header[1 + axis])
                accel[i * 3 + axis] = Float(g)
            }
            for k in 0..<r where !csv.isEmpty(fields[4 + k]) {
                let dBm = try value(4 + k)
                try csv.require(dBm, in: PhysicalLimits.rssiDBm, unit: "dBm", what: "RSSI", line: line.number, column: header[4 + k])
                rssi[i * r + slot[k]] = Float(dBm)
            }
        }
        return Recording(name: name, receivers: receivers, times: times, rssi: rssi, accel: accel, intervals: [])
    }

    /// Reads location_<a>.csv; `index` must agree with `name`'s position in rooms.json.
    static func readIntervals(_ url: URL, rooms: [String]) throws -> [RoomInterval] {
        let csv = try CSVFile(url: url)
        try csv.requireHeader(["start", "end", "name", "index"])
        var out: [RoomInterval] = []
        for line in csv.lines.dropFirst() {
            let fields = csv.fields(line.range)
            guard fields.count == 4 else { throw DataFileError(file: csv.path, line: line.number, message: "\(fields.count) fields, expected 4") }
            func time(_ c: Int, _ column: String) throws -> Double {
                guard let v = csv.number(fields[c]) else {
                    throw DataFileError(file: csv.path, line: line.number, column: column, message: "\"\(csv.text(fields[c]))\" is not a finite number")
                }
                return v
            }
            let start = try time(0, "start"), end = try time(1, "end")
            try csv.requireTime(start, line: line.number, column: "start")
            try csv.requireTime(end, line: line.number, column: "end")
            let name = csv.text(fields[2]).trimmingCharacters(in: .whitespaces)
            guard let room = rooms.firstIndex(of: name) else {
                throw DataFileError(file: csv.path, line: line.number, column: "name", message: "unknown room \"\(name)\" (rooms.json has \(rooms.joined(separator: ", ")))")
            }
            guard let index = Int(csv.text(fields[3]).trimmingCharacters(in: .whitespaces)), index == room else {
                throw DataFileError(file: csv.path, line: line.number, column: "index", message: "\"\(csv.text(fields[3]))\" does not match room \"\(name)\" (index \(room))")
            }
            guard end >= start else { throw DataFileError(file: csv.path, line: line.number, column: "end", message: "end \(end) before start \(start)") }
            if let previous = out.last, start < previous.end {
                throw DataFileError(file: csv.path, line: line.number, column: "start", message: "interval starts at \(start), before the previous one ends (\(previous.end))")
            }
            out.append(RoomInterval(start: start, end: end, room: room))
        }
        return out
    }
}
