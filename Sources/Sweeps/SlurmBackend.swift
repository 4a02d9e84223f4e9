import Foundation
import Sessions

/// What each array task asks Slurm for.
public struct SlurmSettings: Codable, Equatable, Sendable {
    /// Wall-time limit per task, as sbatch takes it ("30", "00:30:00", "1-00:00:00").
    public var time = "01:00:00"
    /// Memory per task ("2G", "500M").
    public var memory = "2G"
    public var cpusPerTask = 2
    public var partition: String?

    public init() {}

    public mutating func set(_ key: String, _ value: String) throws {
        switch key {
        case "time":
            guard value.range(of: #"^(\d+-)?\d+(:\d{2}){0,2}$"#, options: .regularExpression) != nil else {
                throw SweepError("time '\(value)': expected minutes, HH:MM:SS or D-HH:MM:SS")
            }
            time = value
        case "memory", "mem":
            guard value.range(of: #"^\d+[KMGT]?$"#, options: .regularExpression) != nil else {
                throw SweepError("memory '\(value)': expected a size such as 2G or 500M")
            }
            memory = value
        case "cpus-per-task":
            guard let n = Int(value), (1...1024).contains(n) else { throw SweepError("cpus-per-task '\(value)': expected 1–1024") }
            cpusPerTask = n
        case "partition":
            guard value.range(of: #"^[A-Za-z0-9_.-]+$"#, options: .regularExpression) != nil else {
                throw SweepError("partition '\(value)': expected a partition name")
            }
            partition = value
        default:
            throw SweepError("unknown setting '\(key)'; Slurm settings are time, memory, cpus-per-task, partition")
        }
    }
}

/// The sweep as a Slurm job array: one array index per unfinished task, each running
/// `tinyloc sweep task DIR --index $SLURM_ARRAY_TASK_ID`.
public enum SlurmBackend {
    public static func script(folder: SweepFolder, name: String, indices: [Int], settings: SlurmSettings, executable: URL) -> String {
        var lines = ["#!/bin/bash",
                     "#SBATCH --job-name=tinyloc-\(name)",
                     "#SBATCH --array=\(arraySpec(indices))",
                     "#SBATCH --cpus-per-task=\(settings.cpusPerTask)",
                     "#SBATCH --time=\(settings.time)",
                     "#SBATCH --mem=\(settings.memory)",
                     "#SBATCH --output=\(folder.logsURL.path)/slurm-%A_%a.out",
                     "#SBATCH --chdir=\(folder.url.path)"]
        if let partition = settings.partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += ["# Written by tinyloc sweep --slurm; each array index is one task of \(folder.manifestURL.path).",
                  "exec \(quote(executable.path)) sweep task \(quote(folder.url.path)) --index \"$SLURM_ARRAY_TASK_ID\"", ""]
        return lines.joined(separator: "\n")
    }

    /// "0-3,5,7-8": runs of consecutive indices folded into ranges.
    public static func arraySpec(_ indices: [Int]) -> String {
        var parts: [String] = []
        var start: Int?, previous: Int?
        for index in indices.sorted() + [Int.min] {
            if let p = previous, index == p + 1 { previous = index; continue }
            if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)-\(p)") }
            start = index
            previous = index
        }
        return parts.joined(separator: ",")
    }

    public struct Submission: Codable, Equatable, Sendable {
        public var job: String
        public var indices: [Int]
        public var submitted: Date
    }

    /// Writes the script and submits it with `sbatch --parsable`; records the job in slurm.json.
    public static func submit(folder: SweepFolder, script: String, indices: [Int]) throws -> Submission {
        try folder.writeText(script, to: folder.slurmScriptURL)
        guard let sbatch = findExecutable("sbatch") else {
            throw SweepError("sbatch is not on the PATH: submit from a Slurm login node, install Slurm (Debian: slurm-wlm), "
                             + "run the sweep here with --local J, or print the script with --dry-run")
        }
        let result = try runTool(sbatch, ["--parsable", folder.slurmScriptURL.path])
        guard result.status == 0 else {
            throw SweepError("sbatch failed (exit \(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // --parsable prints "jobid" or "jobid;cluster".
        let job = String(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first ?? "")
        guard !job.isEmpty, job.allSatisfy(\.isNumber) else { throw SweepError("sbatch printed no job id: '\(result.stdout)'") }
        let submission = Submission(job: job, indices: indices, submitted: Date())
        try folder.write(submissions(folder) + [submission], to: folder.slurmJobsURL)
        return submission
    }

    public static func submissions(_ folder: SweepFolder) -> [Submission] {
        guard let data = FileManager.default.contents(atPath: folder.slurmJobsURL.path) else { return [] }
        return (try? SweepFolder.decoder.decode([Submission].self, from: data)) ?? []
    }

    /// The sweep's array tasks Slurm still lists (pending, running, …), keyed "job_index", from
    /// `squeue`; nil when nothing was submitted or squeue cannot be asked. Its keys are what
    /// `SweepFolder.status(_:activeSlurmTasks:)` takes.
    public static func queued(_ folder: SweepFolder) -> [String: String]? {
        let jobs = submissions(folder).map(\.job)
        guard !jobs.isEmpty, let squeue = findExecutable("squeue"),
              let result = try? runTool(squeue, ["-h", "-r", "-j", jobs.joined(separator: ","), "-o", "%i %T"]),
              result.status == 0 else { return nil }
        var states: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2 { states[String(fields[0])] = String(fields[1]) }
        }
        return states
    }

    static func findExecutable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func runTool(_ tool: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw SweepError("cannot start \(tool.path): \(error.localizedDescription)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    private static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

extension SweepFolder {
    func writeText(_ text: String, to target: URL) throws {
        do { try AtomicFile.write(Data(text.utf8), to: target) } catch { throw SweepError("cannot write \(target.path): \(error)") }
    }
}
