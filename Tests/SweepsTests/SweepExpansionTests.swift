import Foundation
import Sweeps
import XCTest

/// A sweep's axes become tasks with stable names and the exact commands a user would type.
final class SweepExpansionTests: XCTestCase {
    private let sessions = URL(fileURLWithPath: "/sweeps/x/sessions")

    func testGridExpandsTaskAxesAndKeepsEvaluationAxesPerTask() throws {
        let spec = try SweepFile.grid("decode=none,lag=2 precision=float,int8 seed=1-2 model=mlp,cnn", name: "g", data: nil,
                                      options: try SweepFile.options(["epochs=3"]))
        let tasks = try SweepExpansion.tasks(of: spec, sessionsFolder: sessions)
        // model × seed = 4 training runs, model outermost (canonical order, whatever order was typed);
        // precision and decode are scored on each task's one model.
        XCTAssertEqual(tasks.map(\.name), ["mlp-s1", "mlp-s2", "cnn-s1", "cnn-s2"])
        XCTAssertEqual(tasks.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(tasks[1].run, ["run", "--headless", "--sessions-dir", "/sweeps/x/sessions", "--session", "mlp-s2",
                                      "--epochs", "3", "--model", "mlp", "--seed", "2", "--decode", "lag=2"])
        XCTAssertEqual(tasks[2].compress, [["compress", "--sessions-dir", "/sweeps/x/sessions", "--session", "cnn-s1", "--preset", "int8"]])
        XCTAssertEqual(tasks[0].precisions, ["float", "int8"])
        XCTAssertEqual(tasks[0].decoders, ["none", "lag=2"])

        // The same settings give the same names, so a second expansion finds the same sessions.
        let again = try SweepFile.grid("model=mlp,cnn seed=1,2 precision=float,int8 decode=none,lag=2", name: "g", data: nil,
                                       options: ["epochs": "3"])
        XCTAssertEqual(try SweepExpansion.tasks(of: again, sessionsFolder: sessions), tasks)
    }

    func testAPlanFileIsACompressWithItsOwnVariantName() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plan = folder.appendingPathComponent("fc1-int4.json")
        try Data(#"{"layers": {"fc1": {"weights": "int4"}}}"#.utf8).write(to: plan)
        let spec = try SweepFile.grid("epochs=1,2 precision=\(plan.path)", name: "p", data: nil, options: [:])
        let tasks = try SweepExpansion.tasks(of: spec, sessionsFolder: sessions)
        XCTAssertEqual(tasks.map(\.name), ["mlp-e1", "mlp-e2"])
        XCTAssertEqual(tasks[0].compress, [["compress", "--sessions-dir", "/sweeps/x/sessions", "--session", "mlp-e1",
                                            "--plan", plan.path, "--name", "fc1-int4"]])
        XCTAssertEqual(tasks[0].precisions, [plan.path], "a plan file is the only precision: no float row asked for")
    }

    /// Folds follow tinyloc cv's rule: the next recording with windows (wrapping round) validates.
    func testFoldsHoldOutEachRecordingWithTheNextOneValidating() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try Tinyloc.sphereFixture(in: folder)
        let all = try SweepFile.grid("fold=all seed=7", name: "f", data: data.path, options: [:])
        let tasks = try SweepExpansion.tasks(of: all, sessionsFolder: sessions)
        XCTAssertEqual(tasks.map(\.name), ["mlp-s7-f00001", "mlp-s7-f00002", "mlp-s7-f00003", "mlp-s7-f00004"])
        XCTAssertEqual(tasks.map(\.validation), ["00002", "00003", "00004", "00001"])
        XCTAssertEqual(Array(tasks[3].run.suffix(6)), ["--data", data.path, "--val", "00001", "--test", "00004"])
        XCTAssertEqual(tasks[3].settings, ["seed": "7", "fold": "00004"])

        let some = try SweepFile.grid("fold=2-3", name: "f", data: data.path, options: [:])
        XCTAssertEqual(try SweepExpansion.tasks(of: some, sessionsFolder: sessions).map(\.name), ["mlp-f00002", "mlp-f00003"])
        XCTAssertThrowsError(try SweepExpansion.tasks(of: try SweepFile.grid("fold=9", name: "f", data: data.path, options: [:]),
                                                      sessionsFolder: sessions)) { error in
            XCTAssertTrue("\(error)".contains("no recording \"9\""), "\(error)")
        }
    }

    func testSweepFileReadsNumbersStringsAndSlurmSettings() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("night.json")
        try Data("""
            {"grid": {"model": ["mlp", "cnn"], "seed": [1, 2, 3], "receiver-dropout": [0, 0.3]},
             "options": {"epochs": 20},
             "slurm": {"time": "00:20:00", "memory": "1G", "cpus-per-task": 4, "partition": "short"}}
            """.utf8).write(to: file)
        let (spec, slurm) = try SweepFile.load(file)
        XCTAssertEqual(spec.name, "night", "the file's name names the sweep")
        XCTAssertEqual(spec.values(of: "receiver-dropout"), ["0", "0.3"])
        XCTAssertEqual(spec.options, ["epochs": "20"])
        XCTAssertEqual(slurm.cpusPerTask, 4)
        XCTAssertEqual(slurm.partition, "short")
        let tasks = try SweepExpansion.tasks(of: spec, sessionsFolder: sessions)
        XCTAssertEqual(tasks.count, 2 * 3 * 2)
        XCTAssertEqual(tasks[1].name, "mlp-s1-rd0.3")
    }

    func testBadInputIsRefusedNamingTheAxisAndValue() throws {
        func refusal(_ grid: String, data: String? = nil, options: [String: String] = [:]) -> String {
            do {
                _ = try SweepFile.grid(grid, name: "bad", data: data, options: options)
                return "accepted"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal("colour=red").contains("unknown axis 'colour'; axes are model, seed"), refusal("colour=red"))
        XCTAssertTrue(refusal("model=mlp,nope").contains("model 'nope': unknown; models are mlp"), refusal("model=mlp,nope"))
        XCTAssertTrue(refusal("").contains("the grid is empty"), refusal(""))
        XCTAssertTrue(refusal("seed=").contains("axis 'seed' has an empty value"), refusal("seed="))
        XCTAssertTrue(refusal("seed=1,1").contains("axis 'seed' lists '1' twice"), refusal("seed=1,1"))
        XCTAssertTrue(refusal("seed=-1").contains("seed '-1': expected a non-negative integer"), refusal("seed=-1"))
        XCTAssertTrue(refusal("seed=3-1").contains("seed range '3-1' must run upwards"), refusal("seed=3-1"))
        XCTAssertTrue(refusal("fold=all").contains("axis 'fold' holds out real recordings"), refusal("fold=all"))
        XCTAssertTrue(refusal("precision=int3").contains("precision 'int3': expected float, a preset"), refusal("precision=int3"))
        XCTAssertTrue(refusal("decode=lag=x").contains("decode 'lag=x'"), refusal("decode=lag=x"))
        XCTAssertTrue(refusal("receiver-dropout=0.95").contains("receiver-dropout '0.95': expected a probability in [0, 0.9]"))
        XCTAssertTrue(refusal("seed=1", options: ["colour": "red"]).contains("unknown option 'colour'"))
        XCTAssertTrue(refusal("seed=1", options: ["seed": "2"]).contains("'seed' is both an axis and a shared option"))
        XCTAssertThrowsError(try SweepFile.options(["epochs"])) { XCTAssertTrue("\($0)".contains("expected option=value")) }

        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("typo.json")
        try Data(#"{"grids": {"seed": [1]}}"#.utf8).write(to: file)
        XCTAssertThrowsError(try SweepFile.load(file)) { error in
            XCTAssertTrue("\(error)".contains("typo.json: unknown key 'grids'"), "\(error)")
        }
        try Data(#"{"grid": {"seed": [1]}, "slurm": {"mem": "lots"}}"#.utf8).write(to: file)
        XCTAssertThrowsError(try SweepFile.load(file)) { error in
            XCTAssertTrue("\(error)".contains("memory 'lots': expected a size such as 2G"), "\(error)")
        }
    }

    func testAFolderHoldingAnotherSweepIsRefused() throws {
        let folder = try Tinyloc.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try SweepFile.grid("seed=1,2", name: "a", data: nil, options: [:])
        _ = try SweepFolder.prepare(folder.appendingPathComponent("a"), spec: first)
        XCTAssertNoThrow(try SweepFolder.prepare(folder.appendingPathComponent("a"), spec: first), "the same sweep reopens its folder")
        let second = try SweepFile.grid("seed=1,3", name: "a", data: nil, options: [:])
        XCTAssertThrowsError(try SweepFolder.prepare(folder.appendingPathComponent("a"), spec: second)) { error in
            XCTAssertTrue("\(error)".contains("holds another sweep ('a': axes seed differ)"), "\(error)")
        }
        let busy = folder.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
        try Data().write(to: busy.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try SweepFolder.prepare(busy, spec: first)) { error in
            XCTAssertTrue("\(error)".contains("is not empty and holds no sweep.json"), "\(error)")
        }
    }

    func testThreadsPerTaskShareTheCoresAndArraysFoldIntoRanges() {
        // 2 cores: one task gets both, two get one each, more than the cores still get one.
        XCTAssertEqual(LocalBackend.threadsPerTask(jobs: 1, cores: 2), 2)
        XCTAssertEqual(LocalBackend.threadsPerTask(jobs: 2, cores: 2), 1)
        XCTAssertEqual(LocalBackend.threadsPerTask(jobs: 3, cores: 2), 1)
        XCTAssertEqual(LocalBackend.threadsPerTask(jobs: 3, cores: 8), 2)
        XCTAssertEqual(SlurmBackend.arraySpec([7, 0, 1, 2, 5, 8]), "0-2,5,7-8")
        XCTAssertEqual(SlurmBackend.arraySpec([4]), "4")
    }

    func testTheSlurmScriptAsksForTheTasksAndTheirResources() throws {
        var settings = SlurmSettings()
        try settings.set("time", "00:15:00")
        try settings.set("memory", "512M")
        try settings.set("cpus-per-task", "3")
        let folder = SweepFolder(URL(fileURLWithPath: "/sweeps/it's"))
        let script = SlurmBackend.script(folder: folder, name: "n", indices: [0, 1, 4], settings: settings,
                                         executable: URL(fileURLWithPath: "/opt/tinyloc"))
        XCTAssertEqual(script, """
            #!/bin/bash
            #SBATCH --job-name=tinyloc-n
            #SBATCH --array=0-1,4
            #SBATCH --cpus-per-task=3
            #SBATCH --time=00:15:00
            #SBATCH --mem=512M
            #SBATCH --output=/sweeps/it's/logs/slurm-%A_%a.out
            #SBATCH --chdir=/sweeps/it's
            # Written by tinyloc sweep --slurm; each array index is one task of /sweeps/it's/sweep.json.
            exec '/opt/tinyloc' sweep task '/sweeps/it'\\''s' --index "$SLURM_ARRAY_TASK_ID"

            """)
        XCTAssertThrowsError(try settings.set("time", "soon")) { XCTAssertTrue("\($0)".contains("time 'soon'")) }
        XCTAssertThrowsError(try settings.set("cpus-per-task", "0")) { XCTAssertTrue("\($0)".contains("expected 1–1024")) }
    }
}
