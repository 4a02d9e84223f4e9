import Foundation
import Sweeps
import XCTest

/// A real single-node Slurm (scripts/local-slurm.sh: munged, slurmctld and slurmd on loopback)
/// runs an 8-task sweep as a job array; status follows it and collect reads every task's report.
final class SlurmRoundTripTests: XCTestCase {
    func testAnEightTaskArrayRunsOnSlurmAndCollectReadsItsResults() throws {
        let tools = ["sbatch", "squeue", "sinfo", "slurmctld", "slurmd", "munged"]
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let missing = tools.filter { tool in
            !path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
        if !missing.isEmpty {
            throw XCTSkip("Slurm is not installed (\(missing.joined(separator: ", ")) missing): install the Debian packages slurm-wlm and munge")
        }
        if getuid() != 0 { throw XCTSkip("the single-node Slurm needs root (slurmd starts jobs as their owner)") }

        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repository.appendingPathComponent("scripts/local-slurm.sh").path
        let folder = try Tinyloc.temporaryFolder()
        let cluster = folder.appendingPathComponent("cluster")
        // A port of its own, so a cluster left over elsewhere on the machine does not answer.
        let port = 20_000 + Int(getpid() % 5_000) * 2
        let started = try shell([script, "start", cluster.path, String(port)])
        defer {
            _ = try? shell([script, "stop", cluster.path])
            try? FileManager.default.removeItem(at: folder)
        }
        guard started.status == 0 else { return XCTFail("the local Slurm did not start: \(started.output)") }
        let environment = ["SLURM_CONF": cluster.appendingPathComponent("etc/slurm.conf").path]

        let dir = folder.appendingPathComponent("sweep")
        let submit = try Tinyloc.run(["sweep", "--grid", "seed=1-8", "--set", "epochs=1", "--set", "recordings=3", "--set", "minutes=3",
                                      "--dir", dir.path, "--slurm", "--cpus-per-task", "1", "--mem", "300M", "--time", "10"],
                                     environment: environment)
        XCTAssertEqual(submit.status, 0, submit.stdout + submit.stderr)
        XCTAssertTrue(submit.stdout.contains("array 0-7 (8 tasks, 1 CPUs, 300M, 10 each)"), submit.stdout)
        let script8 = try String(contentsOf: dir.appendingPathComponent("slurm.sbatch"), encoding: .utf8)
        XCTAssertTrue(script8.contains("#SBATCH --array=0-7\n"), script8)

        let folderState = SweepFolder(dir)
        let tasks = try folderState.manifest().tasks
        let deadline = Date().addingTimeInterval(240)
        while !tasks.allSatisfy({ [.finished, .failed].contains(folderState.status($0)) }), Date() < deadline { usleep(200_000) }
        XCTAssertEqual(tasks.map { folderState.status($0) }, Array(repeating: .finished, count: 8),
                       tasks.map { "\($0.name): \(String(describing: folderState.recordedState($0)))" }.joined(separator: "\n"))
        // Each task says which array index of which job ran it.
        let job = try XCTUnwrap(SlurmBackend.submissions(folderState).first?.job)
        XCTAssertEqual(Set(tasks.compactMap { folderState.recordedState($0)?.slurmJob }), Set((0..<8).map { "\(job)_\($0)" }))

        let status = try Tinyloc.run(["sweep", "status", dir.path], environment: environment)
        XCTAssertTrue(status.stdout.contains("8 finished, 0 failed"), status.stdout)
        XCTAssertTrue(status.stdout.contains("Slurm job \(job): "), status.stdout)
        let collected = try Tinyloc.run(["collect", dir.path], environment: environment)
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let table = try SweepTable.load(from: dir)
        XCTAssertEqual(table.rows.map(\.seed), (1...8).map { String($0) })
        XCTAssertTrue(table.rows.allSatisfy { $0.status == .finished && $0.testMacroF1 != nil })
        XCTAssertEqual(table.summaries.first?.runs, 8)

        // Submitting again finds nothing to do; sbatch refusing a job is reported with its reason.
        let again = try Tinyloc.run(["sweep", "--grid", "seed=1-8", "--set", "epochs=1", "--set", "recordings=3", "--set", "minutes=3",
                                     "--dir", dir.path, "--slurm"], environment: environment)
        XCTAssertTrue(again.stdout.contains("every task has finished already; nothing to do"), again.stdout)
        let refused = try Tinyloc.run(["sweep", "--grid", "seed=1", "--dir", folder.appendingPathComponent("other").path,
                                       "--slurm", "--partition", "nosuch"], environment: environment)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("sbatch failed (exit 1)"), refused.stderr)
        XCTAssertTrue(refused.stderr.lowercased().contains("partition"), refused.stderr)
    }

    /// The helper script through posix_spawn and waitpid, its output in a file: the daemons it
    /// leaves running must not keep the test waiting for the end of a pipe.
    private func shell(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("local-slurm-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let argv = ["/bin/bash", "-c", "exec \"$0\" \"$@\" > '\(log.path)' 2>&1"] + arguments
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, cArguments, environ)
        guard spawned == 0 else { return (Int32(spawned), "posix_spawn failed: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
