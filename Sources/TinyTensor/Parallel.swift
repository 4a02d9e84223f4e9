import Dispatch
import Foundation

/// How many worker threads the kernels may use; `TINYLOC_THREADS` overrides (benchmarks set 1).
public enum Parallelism {
    nonisolated(unsafe) public static var threads: Int = {
        if let text = ProcessInfo.processInfo.environment["TINYLOC_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}

/// Runs `body(chunk)` for `chunks` chunks across the worker threads; serially when only one
/// thread is allowed or the work is a single chunk, so small problems pay no dispatch cost.
@inline(__always)
public func parallelFor(chunks: Int, _ body: (Int) -> Void) {
    if chunks <= 1 || Parallelism.threads <= 1 {
        for c in 0..<chunks { body(c) }
        return
    }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
    }
}
