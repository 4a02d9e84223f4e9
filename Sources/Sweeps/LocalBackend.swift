import Foundation

/// Runs a sweep's unfinished tasks on this machine, up to `jobs` at a time.
public enum LocalBackend {
    /// Threads per task so `jobs` tasks together use the cores once: the engine otherwise gives
    /// every process a worker per core (TinyTensor's `Parallelism.threads`), and J such processes
    /// would fight over the same cores.
    public static func threadsPerTask(jobs: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, cores / max(1, jobs))
    }

    public enum Event: Sendable {
        case started(SweepTask)
        case ended(SweepTask, TaskState)
    }

    /// Runs `tasks` on `jobs` workers in order; returns every task's final state (by index).
    /// Events arrive from the worker threads, one at a time.
    public static func run(_ tasks: [SweepTask], jobs: Int, runner: TaskRunner,
                           onEvent: @escaping @Sendable (Event) -> Void) -> [Int: TaskState] {
        let queue = WorkQueue(tasks)
        let group = DispatchGroup()
        for _ in 0..<max(1, min(jobs, tasks.count)) {
            group.enter()
            Thread.detachNewThread {
                while let task = queue.next() {
                    queue.report(.started(task), onEvent)
                    let state = runner.run(task)
                    queue.finish(task, state)
                    queue.report(.ended(task, state), onEvent)
                    if state.status == .interrupted { break }
                }
                group.leave()
            }
        }
        group.wait()
        return queue.results
    }
}

private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: ArraySlice<SweepTask>
    private(set) var results: [Int: TaskState] = [:]

    init(_ tasks: [SweepTask]) { pending = tasks[...] }

    func next() -> SweepTask? {
        lock.lock()
        defer { lock.unlock() }
        return pending.popFirst()
    }

    func finish(_ task: SweepTask, _ state: TaskState) {
        lock.lock()
        results[task.index] = state
        lock.unlock()
    }

    func report(_ event: LocalBackend.Event, _ onEvent: (LocalBackend.Event) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        onEvent(event)
    }
}
