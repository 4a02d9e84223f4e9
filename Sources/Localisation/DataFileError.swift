import Foundation

/// Bad input in a data file, located as precisely as known: file, 1-based line, column name.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var column: String?
    public var message: String

    public init(file: String, line: Int? = nil, column: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += " column \"\(column)\"" }
        return "\(place): \(message)"
    }
}

/// A CSV file as bytes with line splitting and strict number parsing; the readers build on it.
/// Fields are plain (SPHERE's files have no quoting); "\r\n" line ends are accepted.
struct CSVFile {
    let path: String
    private let bytes: [UInt8]
    private let terminated: [CChar]
    /// Byte ranges of the non-empty lines, with their 1-based line numbers.
    private(set) var lines: [(number: Int, range: Range<Int>)] = []

    init(url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: url.path) else { throw DataFileError(file: path, message: "file not found") }
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw DataFileError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        var start = 0, number = 1
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
            var end = i
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end > start { lines.append((number, start..<end)) }
            start = i + 1
            number += 1
        }
        if lines.isEmpty { throw DataFileError(file: path, message: "empty file") }
    }

    /// Field byte ranges of one line, split on commas.
    func fields(_ line: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = line.lowerBound
        for i in line where bytes[i] == UInt8(ascii: ",") {
            out.append(start..<i)
            start = i + 1
        }
        out.append(start..<line.upperBound)
        return out
    }

    func text(_ field: Range<Int>) -> String { String(decoding: bytes[field], as: UTF8.self) }

    func isEmpty(_ field: Range<Int>) -> Bool { field.allSatisfy { bytes[$0] == UInt8(ascii: " ") } }

    /// The field as a finite number, or nil (text, NaN, infinity, empty, trailing junk).
    /// strtod reads in place: the file is NUL-terminated and the parse must end exactly at the field's end.
    func number(_ field: Range<Int>) -> Double? {
        guard !field.isEmpty else { return nil }
        return terminated.withUnsafeBufferPointer { p -> Double? in
            let start = p.baseAddress! + field.lowerBound
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(start, &end)
            guard let end, UnsafePointer(end) == p.baseAddress! + field.upperBound, value.isFinite else { return nil }
            return value
        }
    }

    /// Checks the header line names exactly `expected`, in order.
    func requireHeader(_ expected: [String]) throws {
        let found = fields(lines[0].range).map { text($0).trimmingCharacters(in: .whitespaces) }
        guard found == expected else {
            throw DataFileError(file: path, line: lines[0].number,
                                message: "header is \"\(found.joined(separator: ","))\", expected \"\(expected.joined(separator: ","))\"")
        }
    }
}
