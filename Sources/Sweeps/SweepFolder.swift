import Foundation
import Sessions

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A sweep's folder:
///
///     sweep.json          the sweep and its expanded tasks (the exact commands)
///     sessions/<task>/    each task's ordinary session (report.json, variants/<precision>.json)
///     state/<task>.json   how the task last ended (or that it is running, and where)
///     logs/<task>.log     the task's output, appended run after run
///     slurm.sbatch, slurm.json   the Slurm script and the jobs submitted from it
///     sweep.lock          held by the tinyloc sweep working on the folder
///     collected.csv, collected.json   what `tinyloc collect` gathered
public struct SweepFolder: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url.standardizedFileURL }

    public var manifestURL: URL { url.appendingPathComponent("sweep.json") }
    public var sessionsURL: URL { url.appendingPathComponent("sessions") }
    public var stateURL: URL { url.appendingPathComponent("state") }
    public var logsURL: URL { url.appendingPathComponent("logs") }
    public var slurmScriptURL: URL { url.appendingPathComponent("slurm.sbatch") }
    public var slurmJobsURL: URL { url.appendingPathComponent("slurm.json") }

    public struct Manifest: Codable, Equatable, Sendable {
        public var spec: SweepSpec
        public var tasks: [SweepTask]
    }

    /// Creates the folder for `spec`, or reopens it when it already holds this very sweep. A
    /// folder holding another sweep is refused, naming what differs: mixing two sweeps' sessions
    /// would make `collect` average unlike things.
    public static func prepare(_ url: URL, spec: SweepSpec) throws -> (folder: SweepFolder, manifest: Manifest) {
        let folder = SweepFolder(url)
        let manager = FileManager.default
        if manager.fileExists(atPath: folder.manifestURL.path) {
            let saved = try folder.manifest()
            if let difference = difference(saved.spec, spec) {
                throw SweepError("\(folder.url.path) holds another sweep ('\(saved.spec.name)': \(difference)); "
                                 + "give this one its own folder (--dir), or move that one away")
            }
            return (folder, saved)
        }
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: folder.url.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw SweepError("\(folder.url.path) is a file, not a sweep folder") }
            let contents = (try? manager.contentsOfDirectory(atPath: folder.url.path)) ?? []
            if !contents.isEmpty {
                throw SweepError("\(folder.url.path) is not empty and holds no sweep.json; give the sweep an empty or new folder")
            }
        }
        let tasks = try SweepExpansion.tasks(of: spec, sessionsFolder: folder.sessionsURL)
        let manifest = Manifest(spec: spec, tasks: tasks)
        for sub in [folder.sessionsURL, folder.stateURL, folder.logsURL] {
            do { try manager.createDirectory(at: sub, withIntermediateDirectories: true) } catch {
                throw SweepError("cannot create \(sub.path): \(error.localizedDescription)")
            }
        }
        try folder.write(manifest, to: folder.manifestURL)
        return (folder, manifest)
    }

    public func manifest() throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw SweepError("\(url.path) is not a sweep folder (no sweep.json)")
        }
        do { return try Self.decoder.decode(Manifest.self, from: data) } catch {
            throw SweepError("\(manifestURL.path) is not a sweep manifest (\(error))")
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func difference(_ a: SweepSpec, _ b: SweepSpec) -> String? {
        if a.name != b.name { return "named \(a.name), not \(b.name)" }
        if a.data != b.data { return "data \(a.data ?? "simulated"), not \(b.data ?? "simulated")" }
        if a.grid != b.grid {
            let axes = Set(a.grid.map(\.name)).union(b.grid.map(\.name)).sorted().filter { a.values(of: $0) != b.values(of: $0) }
            return "axes \(axes.joined(separator: ", ")) differ"
        }
        if a.options != b.options {
            let keys = Set(a.options.keys).union(b.options.keys).sorted().filter { a.options[$0] != b.options[$0] }
            return "options \(keys.joined(separator: ", ")) differ"
        }
        return nil
    }

    func write<T: Encodable>(_ value: T, to target: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do { try AtomicFile.write(try encoder.encode(value), to: target) } catch {
            throw SweepError("cannot write \(target.path): \(error)")
        }
    }

    /// Holds the sweep's lock: two sweeps started on one folder would otherwise both start its
    /// pending tasks and write the same sessions. Released when the process ends (or `release()`).
    public final class Lock: @unchecked Sendable {
        private var descriptor: Int32

        init(_ descriptor: Int32) { self.descriptor = descriptor }

        public func release() {
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
        }

        deinit { release() }
    }

    public func lock() throws -> Lock {
        let url = self.url.appendingPathComponent("sweep.lock")
        let descriptor = open(url.path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw SweepError("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw SweepError("another tinyloc sweep is running in \(self.url.path); wait for it, or follow it with tinyloc sweep status")
        }
        return Lock(descriptor)
    }

    // MARK: task state

    public func sessionURL(_ task: SweepTask) -> URL { sessionsURL.appendingPathComponent(task.name) }
    public func reportURL(_ task: SweepTask) -> URL { sessionURL(task).appendingPathComponent("report.json") }
    public func variantURL(_ task: SweepTask, _ precision: Precision) -> URL {
        sessionURL(task).appendingPathComponent("variants/\(precision.variantName).json")
    }
    public func logURL(_ task: SweepTask) -> URL { logsURL.appendingPathComponent("\(task.name).log") }
    func stateFileURL(_ task: SweepTask) -> URL { stateURL.appendingPathComponent("\(task.name).json") }

    /// Every output the task owes exists: the report and a variant per precision.
    public func outputsComplete(_ task: SweepTask) -> Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: reportURL(task).path)
            && task.precisions.map(Precision.init).filter { !$0.isFloat }.allSatisfy { manager.fileExists(atPath: variantURL(task, $0).path) }
    }

    public func recordedState(_ task: SweepTask) -> TaskState? {
        guard let data = FileManager.default.contents(atPath: stateFileURL(task).path) else { return nil }
        return try? Self.decoder.decode(TaskState.self, from: data)
    }

    func record(_ state: TaskState, for task: SweepTask) throws { try write(state, to: stateFileURL(task)) }

    /// Where the task stands: finished only when its state says so and its outputs are there; a
    /// "running" state whose process is gone was interrupted (a time limit, a kill). Whether a
    /// process lives is known on this host; for a Slurm task, from `activeSlurmTasks` ("job_index"
    /// entries squeue still lists) when squeue could be asked.
    public func status(_ task: SweepTask, activeSlurmTasks: Set<String>? = nil) -> TaskState.Status {
        let state = recordedState(task)
        if state?.status == .finished { return outputsComplete(task) ? .finished : .interrupted }
        // Submitted and still in Slurm's queue (perhaps not started, so no state yet): not to be started again.
        if let activeSlurmTasks, let job = SlurmBackend.submissions(self).last(where: { $0.indices.contains(task.index) })?.job,
           activeSlurmTasks.contains("\(job)_\(task.index)") {
            return state?.status == .running ? .running : .queued
        }
        guard let state else {
            return FileManager.default.fileExists(atPath: sessionURL(task).path) ? .interrupted : .pending
        }
        switch state.status {
        case .running:
            if let job = state.slurmJob, let activeSlurmTasks { return activeSlurmTasks.contains(job) ? .running : .interrupted }
            return state.isAlive ? .running : .interrupted
        default: return state.status
        }
    }
}

/// How a task last ended, written atomically to state/<task>.json by whoever ran it.
public struct TaskState: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// queued: submitted to Slurm and waiting for a node.
        case pending, queued, running, finished, failed, interrupted
    }

    public var status: Status
    public var host: String
    public var pid: Int32
    /// The Slurm job and array index, when Slurm ran it.
    public var slurmJob: String?
    public var started: Date
    public var ended: Date?
    /// For a failure: the step (`run`, `compress int8`), how it ended, and its last words.
    public var step: String?
    public var exitStatus: Int32?
    public var message: String?

    /// A running state of a process that still exists (only checkable on the same host).
    var isAlive: Bool {
        guard status == .running else { return false }
        guard host == ProcessInfo.processInfo.hostName else { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
