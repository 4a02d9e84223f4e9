import Dispatch
import Foundation
import Synchronization

/// Chunks of one parallel job, claimed one at a time by whichever thread is free.
@available(macOS 15, iOS 18, *)
final class CPUTask: @unchecked Sendable {
    let chunks: Int
    private let body: (Int) -> Void
    private let next = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)

    init(chunks: Int, body: @escaping (Int) -> Void) {
        self.chunks = chunks
        self.body = body
    }

    /// Runs unclaimed chunks until none are left.
    func work() {
        while true {
            let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if chunk >= chunks { return }
            body(chunk)
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) == chunks }
}

/// Worker threads that spin briefly between jobs before sleeping.
///
/// Why not `DispatchQueue.concurrentPerform`: on this class of VM a sleeping thread takes about
/// as long to wake (≥ 50 µs) as a whole 64-wide layer's GEMM takes to run, so a Dispatch split
/// of such a GEMM finishes no sooner than the serial one. Workers here spin for `spinSeconds`
/// after each job, so back-to-back GEMMs of a training step reach them awake; idle, they sleep
/// and cost nothing. One job runs at a time: `run` returns false when another thread's job
/// holds the pool, and the caller then splits its job some other way.
@available(macOS 15, iOS 18, *)
final class CPUWorkerPool: @unchecked Sendable {
    static let shared = CPUWorkerPool()
    static let spinSeconds = 0.5e-3

    private let generation = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    /// Guards `task` and `workerCount`, and is where idle workers sleep.
    private let condition = NSCondition()
    private var task: CPUTask?
    private var workerCount = 0

    /// Runs `task` on the calling thread plus at least `helpers` workers; false if the pool is busy.
    func run(_ task: CPUTask, helpers: Int) -> Bool {
        guard inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        condition.lock()
        while workerCount < helpers {
            let worker = Thread { [unowned self] in self.workerLoop() }
            worker.name = "tinyloc-cpu-\(workerCount)"
            worker.start()
            workerCount += 1
        }
        self.task = task
        generation.wrappingAdd(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()

        task.work()
        while !task.isFinished {}

        condition.lock()
        self.task = nil
        condition.unlock()
        inUse.store(false, ordering: .releasing)
        return true
    }

    private func workerLoop() {
        var seen = 0
        while true {
            let spinUntil = DispatchTime.now().uptimeNanoseconds + UInt64(Self.spinSeconds * 1e9)
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 1023 == 0 && DispatchTime.now().uptimeNanoseconds > spinUntil { break }
            }
            condition.lock()
            while generation.load(ordering: .acquiring) == seen { condition.wait() }
            seen = generation.load(ordering: .acquiring)
            let current = task
            condition.unlock()
            // A job that already finished has no chunks left; `work` then returns at once.
            current?.work()
        }
    }
}
