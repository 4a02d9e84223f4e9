import Foundation

/// Runs one task as child processes of the tinyloc executable (`run --headless`, then each
/// `compress`), so a task that crashes takes nothing else down; output is appended to
/// logs/<task>.log and the outcome recorded in state/<task>.json. Steps whose output already
/// exists are skipped, and `run` resumes an interrupted session by itself.
public final class TaskRunner: @unchecked Sendable {
    public let folder: SweepFolder
    public let executable: URL
    /// Worker threads each child may use (TINYLOC_THREADS).
    public let threads: Int
    public let slurmJob: String?

    private let lock = NSLock()
    private var children: [Int32: Process] = [:]
    private var stopping = false

    public init(folder: SweepFolder, executable: URL, threads: Int, slurmJob: String? = nil) {
        self.folder = folder
        self.executable = executable
        self.threads = threads
        self.slurmJob = slurmJob
    }

    /// Runs `task` to the end (or until `stop()`); never throws: what went wrong is in the state.
    @discardableResult
    public func run(_ task: SweepTask) -> TaskState {
        var state = TaskState(status: .running, host: ProcessInfo.processInfo.hostName, pid: getpid(), slurmJob: slurmJob,
                              started: Date())
        func finish(_ status: TaskState.Status, step: String? = nil, exitStatus: Int32? = nil, message: String? = nil) -> TaskState {
            state.status = status
            state.ended = Date()
            state.step = step
            state.exitStatus = exitStatus
            state.message = message
            try? folder.record(state, for: task)
            return state
        }
        do { try folder.record(state, for: task) } catch {
            return finish(.failed, step: "state", message: "\(error)")
        }
        var steps: [(label: String, arguments: [String], done: () -> Bool)] = [
            ("run", task.run, { FileManager.default.fileExists(atPath: self.folder.reportURL(task).path) })
        ]
        for (precision, arguments) in zip(task.precisions.map(Precision.init).filter { !$0.isFloat }, task.compress) {
            steps.append(("compress \(precision.variantName)", arguments,
                          { FileManager.default.fileExists(atPath: self.folder.variantURL(task, precision).path) }))
        }
        for step in steps where !step.done() {
            if isStopping { return finish(.interrupted, step: step.label) }
            let outcome = launch(step.arguments, log: folder.logURL(task))
            if isStopping { return finish(.interrupted, step: step.label, message: "stopped by the sweep") }
            switch outcome {
            case .exited(0):
                continue
            case .exited(let code):
                return finish(.failed, step: step.label, exitStatus: code, message: lastLine(of: folder.logURL(task)))
            case .signalled(let signal):
                return finish(.failed, step: step.label, exitStatus: 128 + signal,
                              message: "killed by signal \(signal)" + (lastLine(of: folder.logURL(task)).map { "; last output: \($0)" } ?? ""))
            case .couldNotStart(let reason):
                return finish(.failed, step: step.label, message: "could not start \(executable.path): \(reason)")
            }
        }
        guard folder.outputsComplete(task) else {
            return finish(.failed, step: "outputs", message: "every step succeeded but \(folder.sessionURL(task).path) lacks its report or a variant")
        }
        return finish(.finished)
    }

    /// Ends every child (SIGTERM) and lets no new step start; their sessions resume on the next run.
    public func stop() {
        lock.lock()
        stopping = true
        let running = Array(children.values)
        lock.unlock()
        for child in running where child.isRunning { child.terminate() }
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case couldNotStart(String)
    }

    private func launch(_ arguments: [String], log: URL) -> Outcome {
        let manager = FileManager.default
        if !manager.fileExists(atPath: log.path) { _ = manager.createFile(atPath: log.path, contents: nil) }
        guard let handle = try? FileHandle(forWritingTo: log) else { return .couldNotStart("cannot open \(log.path)") }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data("$ tinyloc \(arguments.joined(separator: " "))  (TINYLOC_THREADS=\(threads), \(Date()))\n".utf8))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TINYLOC_THREADS"] = String(threads)
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        lock.lock()
        if stopping {
            lock.unlock()
            return .couldNotStart("the sweep is stopping")
        }
        do { try process.run() } catch {
            lock.unlock()
            return .couldNotStart(error.localizedDescription)
        }
        children[process.processIdentifier] = process
        lock.unlock()
        process.waitUntilExit()
        lock.lock()
        children[process.processIdentifier] = nil
        lock.unlock()
        return process.terminationReason == .uncaughtSignal ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
    }

    private func lastLine(of log: URL) -> String? {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last.map { String($0.suffix(300)) }
    }
}
