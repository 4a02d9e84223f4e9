import Foundation
import Sweeps
import XCTest

/// A task's status comes from its state file and its outputs; a "running" task whose process is
/// gone (here: a pid that cannot exist; on Slurm: an index squeue no longer lists) was interrupted.
final class TaskStatusTests: XCTestCase {
    func testRunningTasksWhoseProcessIsGoneCountAsInterrupted() throws {
        let root = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = try SweepFile.grid("seed=1,2", name: "s", data: nil, options: [:])
        let (folder, manifest) = try SweepFolder.prepare(root.appendingPathComponent("s"), spec: spec)
        let task = manifest.tasks[0]
        XCTAssertEqual(folder.status(task), .pending)

        func writeState(_ json: String) throws {
            try Data(json.utf8).write(to: folder.stateURL.appendingPathComponent("\(task.name).json"))
        }
        let here = ProcessInfo.processInfo.hostName
        try writeState(#"{"status": "running", "host": "\#(here)", "pid": \#(getpid()), "started": "2026-11-30T00:00:00Z"}"#)
        XCTAssertEqual(folder.status(task), .running, "this test's own process is alive")
        // Linux pids stay below 2^22, so this one cannot be running.
        try writeState(#"{"status": "running", "host": "\#(here)", "pid": 2000000000, "started": "2026-11-30T00:00:00Z"}"#)
        XCTAssertEqual(folder.status(task), .interrupted)

        try writeState(#"{"status": "running", "host": "node7", "pid": 12, "slurmJob": "41_0", "started": "2026-11-30T00:00:00Z"}"#)
        XCTAssertEqual(folder.status(task), .running, "another host's process cannot be checked without squeue")
        XCTAssertEqual(folder.status(task, activeSlurmTasks: ["41_0", "41_1"]), .running)
        XCTAssertEqual(folder.status(task, activeSlurmTasks: ["41_1"]), .interrupted, "cut off by its time limit")

        // Submitted and waiting in Slurm's queue, before any state: queued, so not submitted twice.
        try FileManager.default.removeItem(at: folder.stateURL.appendingPathComponent("\(task.name).json"))
        try Data(#"[{"job": "42", "indices": [0, 1], "submitted": "2026-11-30T00:00:00Z"}]"#.utf8).write(to: folder.slurmJobsURL)
        XCTAssertEqual(folder.status(task, activeSlurmTasks: ["42_0"]), .queued)
        XCTAssertEqual(folder.status(task, activeSlurmTasks: ["42_1"]), .pending)

        // "finished" needs the report too: a deleted report makes the task run again.
        try writeState(#"{"status": "finished", "host": "\#(here)", "pid": 1, "started": "2026-11-30T00:00:00Z"}"#)
        XCTAssertEqual(folder.status(task), .interrupted)
    }

    func testASecondSweepOnTheSameFolderIsRefusedWhileTheFirstRuns() throws {
        let root = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("s")
        let spec = try SweepFile.grid("seed=1", name: "grid", data: nil, options: ["epochs": "1"])
        let (folder, _) = try SweepFolder.prepare(dir, spec: spec)
        let held = try folder.lock()
        let second = try Tinyloc.run(["sweep", "--grid", "seed=1", "--set", "epochs=1", "--dir", dir.path])
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.stderr.contains("another tinyloc sweep is running in \(dir.path)"), second.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.logsURL.appendingPathComponent("mlp-s1.log").path), "nothing started")
        held.release()
        XCTAssertNoThrow(try folder.lock(), "released, the folder can be locked again")
    }
}
