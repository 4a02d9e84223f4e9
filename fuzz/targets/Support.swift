import Foundation
import Localisation

/// Shared by every target: a scratch folder per process (libFuzzer runs one input at a time), and
/// the stages after reading, since that is where absurd-but-accepted values used to blow up
/// (windowing allocating for a year of steps, coverage encoding a non-finite mean).
enum Scratch {
    static let folder: URL = {
        // In memory where there is a tmpfs: on disk, the writes of every input cost 30× the parsing.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("tinyloc-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes the files a target uses (path relative to the scratch folder → bytes; nil removes
    /// the file), creating folders once: clearing the folder for every input halved the speed.
    static func write(_ files: [String: Data?]) -> URL {
        for (name, data) in files {
            let url = folder.appendingPathComponent(name)
            guard let data else {
                unlink(url.path)
                continue
            }
            if (try? data.write(to: url)) == nil {
                try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? data.write(to: url)
            }
        }
        return folder
    }
}

/// The input cut into at most `count` parts at lines holding only "---", so one input can carry
/// several files of a layout (rooms.json, samples, labels).
func parts(_ data: UnsafePointer<UInt8>, _ size: Int, count: Int) -> [Data] {
    let bytes = Data(bytes: data, count: size)
    var out: [Data] = []
    var rest = bytes[...]
    let marker = Data("\n---\n".utf8)
    while out.count < count - 1, let range = rest.range(of: marker) {
        out.append(Data(rest[rest.startIndex..<range.lowerBound]))
        rest = rest[range.upperBound...]
    }
    out.append(Data(rest))
    return out
}

/// What a data set goes through after reading, as a run would take it.
func exercise(_ dataset: Dataset) {
    // The readers promise recordings of at most a day, which is what bounds windowing's memory.
    for recording in dataset.recordings where !PhysicalLimits.recordingSeconds.contains(recording.duration) {
        fatalError("\(recording.name) spans \(recording.duration) s, beyond PhysicalLimits.recordingSeconds")
    }
    // Windowing costs a step per 0.2 s of span; a long recording is windowed at the slowest step
    // rate a session accepts, so the fuzzer is not spending its time on one input's steps.
    let long = dataset.recordings.contains { $0.duration > 600 }
    _ = makeWindows(dataset: dataset, recordings: Array(dataset.recordings.indices),
                    config: WindowConfig(stepRate: long ? 0.05 : 5, length: long ? 2 : 20, hop: long ? 1 : 10))
    // Reports are JSON: accepted data whose coverage cannot be encoded is a bug the reader let through.
    do { _ = try JSONEncoder().encode(ReceiverCoverage.table(dataset)) } catch {
        fatalError("coverage of data the reader accepted does not encode: \(error)")
    }
}
