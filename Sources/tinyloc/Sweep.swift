import ArgumentParser
import Dispatch
import Foundation
import Sweeps

/// `tinyloc sweep`: many runs at once, on this machine or as a Slurm job array.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a sweep (model × seed × fold × precision × decoder) as ordinary sessions, here (--local J) or on Slurm (--slurm).",
        discussion: """
            tinyloc sweep FILE runs a sweep file; tinyloc sweep --grid 'model=mlp,cnn seed=1-3 fold=all' names the axes \
            on the command line. Each task is an ordinary session named from its settings under DIR/sessions, so running \
            the same sweep again skips finished tasks and resumes interrupted ones. tinyloc collect DIR gathers the results. \
            A user's guide: docs/SWEEPS.md.
            """,
        subcommands: [SweepRun.self, SweepStatus.self, SweepTaskCommand.self],
        defaultSubcommand: SweepRun.self
    )
}

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Expand a sweep into tasks and run the unfinished ones (the default: tinyloc sweep FILE).",
        discussion: """
            Axes: model, seed, fold (recordings held out in turn, as in tinyloc cv, or all; needs --data), epochs, \
            receiver-dropout, scaling, recordings, minutes — each value is its own training run — and precision (float, \
            int8, int8-16x8, int4-weights or a plan .json, each a tinyloc compress of the trained model) and decode \
            (none, offline, lag=N, +plan, +freq; scored on the same predictions). Shared run options go in the file's \
            "options" or --set key=value.
            """
    )

    @Argument(help: "A sweep file (JSON, docs/SWEEPS.md). Or give --grid instead.")
    var file: String?

    @Option(help: "The axes on the command line, e.g. \"model=mlp,cnn seed=1-3 fold=all precision=float,int8\".")
    var grid: String?

    @Option(help: "With --grid: real data (as for tinyloc run --data); default the simulated home.")
    var data: String?

    @Option(name: .customLong("set"), help: "With --grid: a run option every task shares, e.g. --set epochs=20 (repeatable).")
    var settings: [String] = []

    @Option(help: "With --grid: the sweep's name (default: grid).")
    var name: String?

    @Option(help: "The sweep's folder (default: sweeps/<name>).")
    var dir: String?

    @Option(parsing: .unconditional, help: "Run up to J tasks at a time on this machine (default 1); each gets cores/J worker threads.")
    var local: Int?

    @Flag(help: "Write an sbatch job-array script (DIR/slurm.sbatch) for the unfinished tasks and submit it with sbatch.")
    var slurm = false

    @Flag(help: "With --slurm: print the script instead of submitting it.")
    var dryRun = false

    @Option(help: "Slurm: wall time per task (e.g. 00:30:00; default from the file, else 01:00:00).")
    var time: String?

    @Option(help: "Slurm: memory per task (e.g. 2G; default from the file, else 2G).")
    var mem: String?

    @Option(parsing: .unconditional, help: "Slurm: CPUs per task, also each task's thread count (default from the file, else 2).")
    var cpusPerTask: Int?

    @Option(help: "Slurm: partition (default: the cluster's).")
    var partition: String?

    func validate() throws {
        if (file == nil) == (grid == nil) { throw ValidationError("give a sweep file or --grid (one of them)") }
        if file != nil, data != nil || !settings.isEmpty || name != nil {
            throw ValidationError("--data, --set and --name go with --grid; a sweep file holds its own")
        }
        if let local, local < 1 { throw ValidationError("--local must be at least 1, got \(local)") }
        if slurm, local != nil { throw ValidationError("choose --local J or --slurm, not both") }
        if dryRun, !slurm { throw ValidationError("--dry-run prints the Slurm script: it goes with --slurm") }
        if !slurm, time != nil || mem != nil || cpusPerTask != nil || partition != nil {
            throw ValidationError("--time, --mem, --cpus-per-task and --partition go with --slurm")
        }
    }

    func run() throws {
        // A long sweep is often followed through a log file (nohup, tee): a line per task as it ends.
        setvbuf(stdout, nil, _IOLBF, 0)
        let (spec, fileSlurm) = try loadSpec()
        var slurmSettings = fileSlurm
        do {
            if let time { try slurmSettings.set("time", time) }
            if let mem { try slurmSettings.set("memory", mem) }
            if let cpusPerTask { try slurmSettings.set("cpus-per-task", String(cpusPerTask)) }
            if let partition { try slurmSettings.set("partition", partition) }
        } catch let error as SweepError { throw ValidationError(error.description) }
        let url = URL(fileURLWithPath: dir ?? "sweeps/\(spec.name)")
        if spec.values(of: "fold") != nil, !FileManager.default.fileExists(atPath: url.appendingPathComponent("sweep.json").path) {
            print("reading \(spec.data ?? "") to plan the folds…")
        }
        let (folder, manifest) = try wrapped { try SweepFolder.prepare(url, spec: spec) }
        let lock = try wrapped { try folder.lock() }
        defer { lock.release() }
        let tasks = manifest.tasks
        let active = SlurmBackend.queued(folder).map { Set($0.keys) }
        let statuses = tasks.map { folder.status($0, activeSlurmTasks: active) }
        let count = { (status: TaskState.Status) in statuses.filter { $0 == status }.count }
        let todo = tasks.filter { [.pending, .interrupted, .failed].contains(statuses[$0.index]) }
        print("sweep \(spec.name) · \(folder.url.path) · \(tasks.count) task\(tasks.count == 1 ? "" : "s"): \(count(.finished)) finished, "
              + "\(count(.pending)) pending, \(count(.interrupted)) interrupted (resumed), \(count(.failed)) failed (retried)"
              + (count(.running) > 0 ? ", \(count(.running)) running elsewhere (left alone)" : "")
              + (count(.queued) > 0 ? ", \(count(.queued)) queued on Slurm (left alone)" : ""))
        guard !todo.isEmpty else {
            print(count(.running) + count(.queued) > 0 ? "nothing to start: the unfinished tasks are running or queued; tinyloc sweep status \(folder.url.path)"
                                      : "every task has finished already; nothing to do. tinyloc collect \(folder.url.path)")
            return
        }
        if slurm {
            try submitToSlurm(todo, folder: folder, spec: spec, settings: slurmSettings)
        } else {
            try runLocally(todo, folder: folder, jobs: local ?? 1)
        }
    }

    private func loadSpec() throws -> (SweepSpec, SlurmSettings) {
        try wrapped {
            if let file { return try SweepFile.load(URL(fileURLWithPath: file)) }
            let spec = try SweepFile.grid(grid ?? "", name: name ?? "grid", data: data, options: try SweepFile.options(settings))
            return (spec, SlurmSettings())
        }
    }

    private func submitToSlurm(_ todo: [SweepTask], folder: SweepFolder, spec: SweepSpec, settings: SlurmSettings) throws {
        let indices = todo.map(\.index)
        let script = SlurmBackend.script(folder: folder, name: spec.name, indices: indices, settings: settings, executable: tinylocExecutable())
        if dryRun {
            print(script, terminator: "")
            return
        }
        let submission = try wrapped { try SlurmBackend.submit(folder: folder, script: script, indices: indices) }
        print("submitted Slurm job \(submission.job): array \(SlurmBackend.arraySpec(indices)) (\(indices.count) task\(indices.count == 1 ? "" : "s"), "
              + "\(settings.cpusPerTask) CPUs, \(settings.memory), \(settings.time) each) · script \(folder.slurmScriptURL.path)")
        print("follow it: tinyloc sweep status \(folder.url.path) · then: tinyloc collect \(folder.url.path)")
    }

    private func runLocally(_ todo: [SweepTask], folder: SweepFolder, jobs: Int) throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threads = LocalBackend.threadsPerTask(jobs: jobs, cores: cores)
        print("running \(todo.count) task\(todo.count == 1 ? "" : "s"), \(min(jobs, todo.count)) at a time, \(threads) thread\(threads == 1 ? "" : "s") each (\(cores) cores)"
              + (jobs > cores ? " · note: more tasks at a time than cores" : "") + " · logs in \(folder.logsURL.path)")
        let runner = TaskRunner(folder: folder, executable: tinylocExecutable(), threads: threads)
        // Ctrl-C or a kill ends the children too, so no orphan keeps writing a session the next run resumes.
        let interrupts = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { runner.stop() }
            source.resume()
            return source
        }
        defer { interrupts.forEach { $0.cancel() } }
        let started = Date()
        let total = todo.count
        let done = Counter()
        let results = LocalBackend.run(todo, jobs: jobs, runner: runner) { event in
            switch event {
            case .started(let task):
                print("  start  \(task.name)")
            case let .ended(task, state):
                let n = done.increment()
                let seconds = state.ended.map { $0.timeIntervalSince(state.started) } ?? 0
                switch state.status {
                case .finished: print(String(format: "  done   %@ (%.0f s) · %d/%d", task.name, seconds, n, total))
                case .interrupted: print("  stopped \(task.name) (\(state.step ?? "")) · resumes on the next run")
                default: print("  FAILED \(task.name) at \(state.step ?? "?"): \(state.message ?? "exit \(state.exitStatus ?? -1)") · log \(folder.logURL(task).path)")
                }
            }
        }
        let failed = results.values.filter { $0.status == .failed }.count
        let interrupted = results.values.filter { $0.status == .interrupted }.count
        print(String(format: "%d finished, %d failed, %d interrupted in %.0f s", results.values.filter { $0.status == .finished }.count,
                     failed, interrupted, Date().timeIntervalSince(started)))
        if interrupted > 0 {
            print("stopped: run the same command again to finish the rest")
            throw ExitCode(130)
        }
        print("results: tinyloc collect \(folder.url.path)")
        if failed > 0 {
            print("\(failed) task\(failed == 1 ? "" : "s") failed; the others' results are kept. Running the sweep again retries them.")
            throw ExitCode(1)
        }
    }
}

/// `tinyloc sweep status DIR`: every task's state, with Slurm's view of the submitted jobs.
struct SweepStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "How far a sweep has got: tasks finished, running, failed (with why), pending; Slurm's queue when it was submitted there."
    )

    @Argument(help: "The sweep's folder.")
    var dir: String

    func run() throws {
        let folder = SweepFolder(URL(fileURLWithPath: dir))
        let manifest = try wrapped { try folder.manifest() }
        let submissions = SlurmBackend.submissions(folder)
        let queued = SlurmBackend.queued(folder)
        let statuses = manifest.tasks.map { folder.status($0, activeSlurmTasks: queued.map { Set($0.keys) }) }
        print("sweep \(manifest.spec.name) · \(manifest.tasks.count) task\(manifest.tasks.count == 1 ? "" : "s"): "
              + TaskState.Status.allCases.map { status in "\(statuses.filter { $0 == status }.count) \(status.rawValue)" }.joined(separator: ", "))
        if let last = submissions.last {
            if let queued {
                let states = Dictionary(grouping: queued.values, by: { $0 }).mapValues(\.count)
                print("Slurm job\(submissions.count > 1 ? "s" : "") \(submissions.map(\.job).joined(separator: ", ")): "
                      + (states.isEmpty ? "nothing left in the queue" : states.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.lowercased())" }
                            .joined(separator: ", ") + " in the queue"))
            } else {
                print("Slurm job \(last.job) submitted \(last.submitted); squeue is not available here, so only the tasks' own state is shown")
            }
        }
        for task in manifest.tasks where statuses[task.index] != .finished {
            let state = folder.recordedState(task)
            var line = "  \(statuses[task.index].rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(task.name)"
            // The task's latest submission is the one Slurm may still hold.
            if let queued, let job = submissions.last(where: { $0.indices.contains(task.index) })?.job,
               let slurmState = queued["\(job)_\(task.index)"] {
                line += " · Slurm \(slurmState.lowercased())"
            }
            if statuses[task.index] == .running, let state { line += " · on \(state.host) since \(state.started)" }
            if statuses[task.index] == .interrupted, let job = folder.recordedState(task)?.slurmJob {
                // Slurm ended it from outside (time limit, memory, a lost node); its own log says which.
                line += " · Slurm job \(job) ended before the task did: \(folder.logsURL.path)/slurm-\(job).out"
            }
            if statuses[task.index] == .failed, let state {
                line += " · \(state.step ?? "?"): \(state.message ?? "exit \(state.exitStatus ?? -1)") · \(folder.logURL(task).path)"
            }
            print(line)
        }
        if statuses.allSatisfy({ $0 == .finished }) { print("all finished: tinyloc collect \(folder.url.path)") }
    }
}

/// `tinyloc sweep task DIR --index I`: one task, as a Slurm array index runs it.
struct SweepTaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run one task of a prepared sweep (what each Slurm array index runs).",
        shouldDisplay: false
    )

    @Argument(help: "The sweep's folder.")
    var dir: String

    @Option(parsing: .unconditional, help: "The task's index in sweep.json.")
    var index: Int

    func run() throws {
        let folder = SweepFolder(URL(fileURLWithPath: dir))
        let manifest = try wrapped { try folder.manifest() }
        guard manifest.tasks.indices.contains(index) else {
            throw ValidationError("--index \(index): the sweep has tasks 0–\(manifest.tasks.count - 1)")
        }
        let task = manifest.tasks[index]
        if folder.status(task) == .finished {
            print("task \(index) \(task.name) has finished already")
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let threads = environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) ?? environment["TINYLOC_THREADS"].flatMap(Int.init)
            ?? ProcessInfo.processInfo.activeProcessorCount
        let job = environment["SLURM_ARRAY_JOB_ID"].map { "\($0)_\(environment["SLURM_ARRAY_TASK_ID"] ?? "\(index)")" }
        let runner = TaskRunner(folder: folder, executable: tinylocExecutable(), threads: max(1, threads), slurmJob: job)
        let state = runner.run(task)
        print("task \(index) \(task.name): \(state.status.rawValue)" + (state.message.map { " · \($0)" } ?? ""))
        if state.status != .finished { throw ExitCode(1) }
    }
}

/// Tasks ended so far; LocalBackend delivers events one at a time, so no lock of its own.
private final class Counter: @unchecked Sendable {
    private var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}

/// The running tinyloc binary, which every task runs again as a child (absolute, for Slurm).
func tinylocExecutable() -> URL {
    #if os(Linux)
    let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    if link.path != "/proc/self/exe" { return link }
    #endif
    return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
}

/// A sweep's own errors as the usage errors they are (message, no stack of types).
func wrapped<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as SweepError { throw ValidationError(error.description) }
}
