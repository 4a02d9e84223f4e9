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
            case .exited(0, _):
                continue
            case let .exited(code, lastError):
                return finish(.failed, step: step.label, exitStatus: code, message: lastError ?? "exit status \(code)")
            case let .signalled(signal, lastError):
                return finish(.failed, step: step.label, exitStatus: 128 + signal,
                              message: "killed by signal \(signal)" + (lastError.map { "; its last error line: \($0)" } ?? ""))
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

    /// How a child ended, with the last line it wrote to stderr (where tinyloc puts its errors).
    enum Outcome: Equatable {
        case exited(Int32, lastError: String?)
        case signalled(Int32, lastError: String?)
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
        // stdout reaches a file fully buffered, so an error would land above the output before
        // it; stderr is read apart to know the child's last words, and copied into the log too.
        let errors = Pipe()
        process.standardError = errors
        let errorText = ErrorCollector()
        let reader = Thread {
            while case let chunk = errors.fileHandleForReading.availableData, !chunk.isEmpty {
                handle.write(chunk)
                errorText.append(chunk)
            }
            errorText.end()
        }
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
        reader.start()
        process.waitUntilExit()
        errorText.waitForEnd()
        lock.lock()
        children[process.processIdentifier] = nil
        lock.unlock()
        let lastError = errorText.lastLine
        return process.terminationReason == .uncaughtSignal ? .signalled(process.terminationStatus, lastError: lastError)
            : .exited(process.terminationStatus, lastError: lastError)
    }
}

/// What a child wrote to stderr, filled by the thread that drains the pipe.
private final class ErrorCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false

    func append(_ chunk: Data) {
        condition.lock()
        data.append(chunk)
        condition.unlock()
    }

    func waitForEnd() {
        condition.lock()
        while !ended { condition.wait() }
        condition.unlock()
    }

    func end() {
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    var lastLine: String? {
        condition.lock()
        defer { condition.unlock() }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.last { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("See '") }.map { String($0.suffix(300)) }
    }
}
