import Foundation

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Whole-file writes that a kill at any moment cannot leave half-done: the bytes go to a temporary
/// file in the same folder, are flushed to disk, and only then renamed over the target (rename is
/// atomic within a file system). The folder is synced too, so the rename itself survives a crash.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SessionError.io(path: temporary.path, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        guard failure == 0 else {
            unlink(temporary.path)
            throw SessionError.io(path: url.path, reason: String(cString: strerror(failure)))
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw SessionError.io(path: url.path, reason: reason)
        }
        let folderFD = open(folder.path, O_RDONLY)
        if folderFD >= 0 {
            fsync(folderFD)
            close(folderFD)
        }
    }
}

public enum SessionError: Error, CustomStringConvertible, Equatable {
    case invalidName(String)
    case io(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case notFound(String)
    case mismatch(String)

    public var description: String {
        switch self {
        case let .invalidName(name):
            return "invalid session name '\(name)': use 1–64 letters, digits, '-', '_' or '.', not starting with '.'"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .corrupt(path, reason): return "\(path) is corrupt: \(reason)"
        case let .notFound(what): return "\(what) not found"
        case let .mismatch(what): return what
        }
    }
}
