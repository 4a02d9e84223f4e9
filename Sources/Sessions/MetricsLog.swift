import Foundation

/// `metrics.jsonl`: one JSON object per line, appended as training goes (an epoch, a stage, a
/// compression result). Appending a line is not atomic, so a reader ignores a torn last line, and
/// a resume rewrites the log (atomically) without the epochs that its checkpoint does not hold.
public struct MetricsLog {
    public let url: URL

    public init(url: URL) { self.url = url }

    public func append<T: Encodable>(_ entry: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: url.path) {
            try AtomicFile.write(Data(), to: url)
        }
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw SessionError.io(path: url.path, reason: "cannot open for appending")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }

    /// The complete lines, in order; a torn final line (no newline) is skipped.
    public func lines() -> [Data] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        var result = [Data]()
        var start = data.startIndex
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            if index > start { result.append(data.subdata(in: start..<index)) }
            start = index + 1
        }
        return result
    }

    /// Decodes the lines whose "event" field equals `event`.
    public func entries<T: Decodable>(_ event: String, as type: T.Type) -> [T] {
        lines().compactMap { line in
            guard let tag = try? JSONDecoder().decode(EventTag.self, from: line), tag.event == event else { return nil }
            return try? JSONDecoder().decode(T.self, from: line)
        }
    }

    /// Keeps only the lines for which `keep` is true, rewriting the file atomically.
    public func retain(where keep: (Data) -> Bool) throws {
        var data = Data()
        for line in lines() where keep(line) {
            data.append(line)
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: url)
    }

    struct EventTag: Decodable { var event: String }
}
