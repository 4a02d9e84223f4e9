import Foundation

/// A CSV with a header, read strictly into numbers by column name: the shared core of the
/// study-CSV and mapped-CSV readers (one row per packet, a room label per row).
struct RowTable {
    let csv: CSVFile
    let header: [String]

    init(url: URL) throws {
        csv = try CSVFile(url: url)
        let csv = self.csv
        let names = csv.fields(csv.lines[0].range).map { csv.text($0).trimmingCharacters(in: .whitespaces) }
        header = names
        if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw DataFileError(file: csv.path, line: csv.lines[0].number, column: twice, message: "column named twice")
        }
        guard csv.lines.count > 1 else { throw DataFileError(file: csv.path, message: "no rows after the header") }
    }

    var path: String { csv.path }
    var rows: ArraySlice<(number: Int, range: Range<Int>)> { csv.lines.dropFirst() }

    func column(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw DataFileError(file: csv.path, line: csv.lines[0].number, column: name,
                                message: "missing column (the header has \(header.joined(separator: ",")))")
        }
        return index
    }

    /// The row's fields, exactly as many as the header has.
    func fields(_ row: (number: Int, range: Range<Int>)) throws -> [Range<Int>] {
        let fields = csv.fields(row.range)
        if fields.count > header.count {
            throw DataFileError(file: csv.path, line: row.number, column: "field \(header.count + 1)",
                                message: "extra field beyond the header's \(header.count) columns")
        }
        if fields.count < header.count {
            throw DataFileError(file: csv.path, line: row.number, column: header[fields.count],
                                message: "missing: the row has \(fields.count) fields, the header \(header.count)")
        }
        return fields
    }

    func number(_ fields: [Range<Int>], _ c: Int, line: Int) throws -> Double {
        guard let v = csv.number(fields[c]) else {
            throw DataFileError(file: csv.path, line: line, column: header[c],
                                message: csv.isEmpty(fields[c]) ? "empty" : "\"\(csv.text(fields[c]))\" is not a finite number")
        }
        return v
    }

    /// nil for an empty cell.
    func optionalNumber(_ fields: [Range<Int>], _ c: Int, line: Int) throws -> Double? {
        csv.isEmpty(fields[c]) ? nil : try number(fields, c, line: line)
    }

    func text(_ fields: [Range<Int>], _ c: Int) -> String { csv.text(fields[c]).trimmingCharacters(in: .whitespaces) }

    /// Times must not go backwards.
    func checkOrder(_ t: Double, after previous: Double?, line: Int, column: Int) throws {
        if let previous, t < previous {
            throw DataFileError(file: csv.path, line: line, column: header[column], message: "time goes backwards (\(t) after \(previous))")
        }
    }
}

/// Per-row room labels (nil = unlabelled) to intervals: a run of rows with one room covers
/// [its first row's time, the next row's time); the last row extends by the median row interval.
func intervals(fromRowLabels labels: [Int?], times: [Double]) -> [RoomInterval] {
    var gaps = zip(times.dropFirst(), times).map { $0 - $1 }
    gaps.sort()
    let usual = gaps.isEmpty ? 0 : gaps[gaps.count / 2]
    var out: [RoomInterval] = []
    var i = 0
    while i < labels.count {
        guard let room = labels[i] else { i += 1; continue }
        var j = i + 1
        while j < labels.count && labels[j] == room { j += 1 }
        let end = j < times.count ? times[j] : times[j - 1] + usual
        out.append(RoomInterval(start: times[i], end: end, room: room))
        i = j
    }
    return out
}
