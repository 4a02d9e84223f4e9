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
///
/// On the GEMM's worker pool when it is free: Dispatch threads would otherwise compete for the
/// cores with the pool's workers, which spin for a while after each GEMM. Dispatch takes the job
/// when the pool is busy (a nested call).
@inline(__always)
public func parallelFor(chunks: Int, _ body: (Int) -> Void) {
    if chunks <= 1 || Parallelism.threads <= 1 {
        for c in 0..<chunks { body(c) }
        return
    }
    withoutActuallyEscaping(body) { body in
        if #available(macOS 15, iOS 18, *) {
            // The task captures a pointer to the closure, not the closure: a worker may keep the
            // finished task a moment after `run` returns, and it must not keep `body` alive then
            // (it never calls it: every chunk is claimed).
            var closure = body
            let ran = withUnsafePointer(to: &closure) { pointer in
                CPUWorkerPool.shared.run(CPUTask(chunks: chunks) { pointer.pointee($0) },
                                         helpers: Swift.min(chunks, Parallelism.threads) - 1)
            }
            if ran { return }
        }
        DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
    }
}

/// Runs `body` over `0..<count` cut into one contiguous range per thread, on the worker pool,
/// when each range gets at least `minimumPerThread` elements (below that, waking a worker costs
/// more than it saves). For elementwise passes: every element comes out the same whatever the
/// split, so results do not depend on the thread count. Runs serially when one thread is
/// allowed, the work is small, or the pool is busy (the caller is itself a pool task).
public func parallelRanges(count: Int, minimumPerThread: Int = 16_384, _ body: @escaping (Range<Int>) -> Void) {
    let parts = Swift.min(Parallelism.threads, count / Swift.max(minimumPerThread, 1))
    guard parts > 1 else { return body(0..<count) }
    if #available(macOS 15, iOS 18, *) {
        let task = CPUTask(chunks: parts) { part in body((part * count / parts)..<((part + 1) * count / parts)) }
        if CPUWorkerPool.shared.run(task, helpers: parts - 1) { return }
    }
    body(0..<count)
}
