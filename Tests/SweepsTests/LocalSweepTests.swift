import Foundation
import Sweeps
import XCTest

/// `tinyloc sweep --local` end to end with the real binary: killed mid-way and run again it
/// finishes only the rest; a failing task is marked and the others' results kept; collect's
/// summary is checked against the reports themselves.
final class LocalSweepTests: XCTestCase {
    func testAKilledSweepResumesOnlyTheRestAndCollectSummarisesTheReports() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dir = folder.appendingPathComponent("sweep")
        // Thirty epochs with a patience of 10 keep the second task training long enough to be stopped.
        let arguments = ["sweep", "--grid", "seed=1,2", "--set", "epochs=30", "--set", "recordings=3", "--set", "minutes=3",
                         "--dir", dir.path, "--local", "1"]
        let (process, out, _) = try Tinyloc.start(arguments)
        let second = dir.appendingPathComponent("sessions/mlp-s2/checkpoints/last.ckpt")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: second.path), process.isRunning, Date() < deadline { usleep(50_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.path), "the second task never finished an epoch")
        process.terminate()
        process.waitUntilExit()
        let stopped = try String(contentsOf: out, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 130, stopped)
        XCTAssertTrue(stopped.contains("stopped mlp-s2 (run) · resumes on the next run"), stopped)
        let state = try Tinyloc.json(dir.appendingPathComponent("state/mlp-s2.json"))
        XCTAssertEqual(state["status"] as? String, "interrupted")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sessions/mlp-s2/report.json").path))

        let resumed = try Tinyloc.run(arguments)
        XCTAssertEqual(resumed.status, 0, resumed.stdout + resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("2 tasks: 1 finished, 0 pending, 1 interrupted (resumed), 0 failed"), resumed.stdout)
        XCTAssertFalse(resumed.stdout.contains("start  mlp-s1"), "a finished task is not started again")
        let log = try String(contentsOf: dir.appendingPathComponent("logs/mlp-s2.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("resuming after epoch"), "the interrupted session resumes from its checkpoint:\n\(log)")
        let firstLog = try String(contentsOf: dir.appendingPathComponent("logs/mlp-s1.log"), encoding: .utf8)
        XCTAssertEqual(firstLog.components(separatedBy: "$ tinyloc run ").count - 1, 1, "the finished task ran once")

        let idle = try Tinyloc.run(arguments)
        XCTAssertEqual(idle.status, 0)
        XCTAssertTrue(idle.stdout.contains("every task has finished already; nothing to do"), idle.stdout)

        let collected = try Tinyloc.run(["collect", dir.path])
        XCTAssertEqual(collected.status, 0, collected.stderr)
        // Expected figures straight from the two reports: the mean, and for two values the sample
        // standard deviation |a − b| / √2.
        let scores = try ["mlp-s1", "mlp-s2"].map { task -> Double in
            let report = try Tinyloc.json(dir.appendingPathComponent("sessions/\(task)/report.json"))
            return try XCTUnwrap((report["testFloat"] as? [String: Any])?["macroF1"] as? Double)
        }
        let table = try SweepTable.load(from: dir)
        XCTAssertEqual(table.rows.map(\.task), ["mlp-s1", "mlp-s2"])
        XCTAssertEqual(table.rows.map(\.seed), ["1", "2"])
        XCTAssertEqual(table.summaries.count, 1)
        let summary = try XCTUnwrap(table.summaries.first)
        XCTAssertEqual(summary.setting, "")
        XCTAssertEqual(summary.runs, 2)
        XCTAssertEqual(try XCTUnwrap(summary.meanMacroF1), (scores[0] + scores[1]) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(summary.spreadMacroF1), abs(scores[0] - scores[1]) / 2.0.squareRoot(), accuracy: 1e-12)
        let csv = try String(contentsOf: dir.appendingPathComponent("collected.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertTrue(csv[1].hasPrefix("mlp-s1,,mlp,1,,float,none,finished,false,\(String(format: "%.6f", scores[0])),"), String(csv[1]))
    }

    /// A plan naming the MLP's fc2 cannot apply to the CNN (its layers are conv1…head): that task
    /// fails at its compress step, while its float model and the MLP's results stay in the table.
    func testAFailedTaskIsMarkedAndTheOthersResultsKept() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plan = folder.appendingPathComponent("fc2-int4.json")
        try Data(#"{"layers": {"fc2": {"weights": "int4"}}}"#.utf8).write(to: plan)
        let dir = folder.appendingPathComponent("sweep")
        let result = try Tinyloc.run(["sweep", "--grid", "model=mlp,cnn precision=float,\(plan.path)", "--set", "epochs=1",
                                      "--dir", dir.path, "--local", "2"] + Tinyloc.small)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("FAILED cnn at compress fc2-int4: Error: precision plan, layers.fc2: the cnn model has no such layer"),
                      result.stdout)
        XCTAssertTrue(result.stdout.contains("1 task failed; the others' results are kept"), result.stdout)

        let collected = try Tinyloc.run(["collect", dir.path])
        XCTAssertEqual(collected.status, 0, collected.stderr)
        XCTAssertTrue(collected.stdout.contains("FAILED cnn (fc2-int4, none): compress fc2-int4: Error: precision plan"), collected.stdout)
        let table = try SweepTable.load(from: dir.appendingPathComponent("collected.json"))
        let rows = Dictionary(uniqueKeysWithValues: table.rows.map { ("\($0.task) \($0.precision)", $0) })
        let mlpVariant = try Tinyloc.json(dir.appendingPathComponent("sessions/mlp/variants/fc2-int4.json"))
        let mlpTest = try XCTUnwrap(mlpVariant["test"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(rows["mlp fc2-int4"]?.testMacroF1), try XCTUnwrap(mlpTest["macroF1"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(rows["mlp fc2-int4"]?.ramBytes, mlpVariant["arenaBytes"] as? Int)
        XCTAssertEqual(rows["mlp fc2-int4"]?.failed, false)
        XCTAssertEqual(rows["cnn float"]?.status, .finished, "the CNN trained; only its compress failed")
        XCTAssertNotNil(rows["cnn float"]?.testMacroF1)
        XCTAssertEqual(rows["cnn fc2-int4"]?.failed, true)
        XCTAssertNil(rows["cnn fc2-int4"]?.testMacroF1)
        XCTAssertEqual(table.summaries.first { $0.setting == "model=cnn precision=fc2-int4" }?.failed, 1)

        let status = try Tinyloc.run(["sweep", "status", dir.path])
        XCTAssertTrue(status.stdout.contains("1 finished, 1 failed"), status.stdout)
        XCTAssertTrue(status.stdout.contains("failed      cnn · compress fc2-int4: Error: precision plan"), status.stdout)
    }

    /// A task whose process dies by a signal (a crash, the kernel's OOM killer) is marked failed
    /// with the signal; the other task finishes, and running the sweep again retries the first.
    func testATaskKilledByASignalFailsAloneAndIsRetried() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dir = folder.appendingPathComponent("sweep")
        let arguments = ["sweep", "--grid", "seed=1,2", "--set", "epochs=30", "--set", "recordings=3", "--set", "minutes=3",
                         "--dir", dir.path, "--local", "2"]
        let (process, out, _) = try Tinyloc.start(arguments)
        let checkpoint = dir.appendingPathComponent("sessions/mlp-s1/checkpoints/last.ckpt")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path), process.isRunning, Date() < deadline { usleep(50_000) }
        let victim = try XCTUnwrap(processes(whoseCommandContains: ["--session", "mlp-s1", dir.path]).first, "the run of mlp-s1")
        kill(victim, SIGKILL)
        process.waitUntilExit()
        let output = try String(contentsOf: out, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 1, output)
        XCTAssertTrue(output.contains("FAILED mlp-s1 at run: killed by signal 9"), output)
        XCTAssertTrue(output.contains("done   mlp-s2"), output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sessions/mlp-s2/report.json").path))

        let collected = try Tinyloc.run(["collect", dir.path])
        XCTAssertTrue(collected.stdout.contains("FAILED mlp-s1 (float, none): run: killed by signal 9"), collected.stdout)

        let retried = try Tinyloc.run(arguments)
        XCTAssertEqual(retried.status, 0, retried.stdout + retried.stderr)
        XCTAssertTrue(retried.stdout.contains("2 tasks: 1 finished, 0 pending, 0 interrupted (resumed), 1 failed (retried)"), retried.stdout)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("logs/mlp-s1.log"), encoding: .utf8).contains("resuming after epoch"))
    }

    /// Process ids whose command line holds every one of `parts` (read from /proc).
    private func processes(whoseCommandContains parts: [String]) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let raw = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.first?.hasSuffix("tinyloc") == true, arguments.contains("run") else { return nil }
            return parts.allSatisfy { part in arguments.contains { $0.contains(part) } } ? pid : nil
        }
    }

    func testCommandLineMistakesAreRefused() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dir = folder.appendingPathComponent("s").path
        let unknown = try Tinyloc.run(["sweep", "--grid", "model=mlp colour=red", "--dir", dir])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown axis 'colour'"), unknown.stderr)
        let both = try Tinyloc.run(["sweep", "--grid", "seed=1", "--dir", dir, "--local", "2", "--slurm"])
        XCTAssertTrue(both.stderr.contains("choose --local J or --slurm, not both"), both.stderr)
        let neither = try Tinyloc.run(["sweep", "--dir", dir])
        XCTAssertTrue(neither.stderr.contains("give a sweep file or --grid"), neither.stderr)
        let noSbatch = try Tinyloc.run(["sweep", "--grid", "seed=1", "--dir", dir, "--slurm"], environment: ["PATH": "/nonexistent"])
        XCTAssertNotEqual(noSbatch.status, 0)
        XCTAssertTrue(noSbatch.stderr.contains("sbatch is not on the PATH"), noSbatch.stderr)
        let notASweep = try Tinyloc.run(["collect", folder.path])
        XCTAssertTrue(notASweep.stderr.contains("is not a sweep folder (no sweep.json)"), notASweep.stderr)
    }
}
