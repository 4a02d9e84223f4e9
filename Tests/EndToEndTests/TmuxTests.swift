import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Drives the real workbench in a tmux pane: keys go in with send-keys, the screen comes back with
/// capture-pane — what a user over SSH sees.
final class TmuxTests: XCTestCase {
    private var server = "tinyloc-test-\(UUID().uuidString.prefix(8))"
    private var folder: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux") else {
            throw XCTSkip("tmux is not installed (.ci/run installs it)")
        }
        folder = try Harness.temporaryFolder()
    }

    override func tearDownWithError() throws {
        if folder != nil { _ = try? tmux(["kill-server"]) }
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Runs tmux with posix_spawn and waitpid. Foundation's Process is not used here: the tmux
    /// client forks the server, and Process was seen to miss the client's exit and wait forever.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let outputPath = folder.appendingPathComponent("tmux-output-\(UUID().uuidString)").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["tmux", "-u", "-L", server] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, "tmux", &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw XCTSkip("cannot start tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // A failed tmux command (a session that never started, a lost server) is named here rather
        // than surfacing later as a missing file or a timeout.
        guard status == 0 else {
            throw TmuxFailure(arguments: arguments, status: status)
        }
        return output
    }

    private func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "tl"]) }

    /// Polls the screen until `predicate` holds or `seconds` pass; returns the last screen.
    private func waitFor(_ seconds: Double, _ what: String, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("timed out waiting for \(what); screen was:\n\(last)")
        return last
    }

    private func start(width: Int, height: Int, arguments: [String]) throws -> URL {
        let exitFile = folder.appendingPathComponent("exit-status")
        let command = "LANG=C.UTF-8 LC_ALL=C.UTF-8 '\(Harness.executable.path)' " + arguments.joined(separator: " ")
            + "; echo $? > '\(exitFile.path)'; sleep 60"
        // After `kill-session` of the last session the server exits in the background; a client that
        // reaches it while it is going down fails, so a few retries ride out that moment.
        for attempt in 1... {
            do {
                try tmux(["new-session", "-d", "-s", "tl", "-x", "\(width)", "-y", "\(height)", command])
                break
            } catch is TmuxFailure where attempt < 10 {
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        return exitFile
    }

    /// The Compress view as a person uses it: after a short run, `2` opens it, `-` narrows the
    /// first layer's weights to int4 and the flash figure drops once the background evaluation
    /// lands, `s` saves the plan as a variant of the session. Then the Present view (`6`) offers
    /// both models, and a mouse click on the one not chosen (the bytes an xterm sends) chooses it.
    func testCompressViewSavesAVariantAndAClickChoosesItInThePresentView() throws {
        _ = try start(width: 120, height: 40, arguments: [
            "--sessions-dir", folder.path, "--session", "tune", "--recordings", "3", "--minutes", "3", "--epochs", "2", "--pace", "0",
        ])
        _ = try waitFor(90, "the run to finish") { $0.contains("done") }
        try tmux(["send-keys", "-t", "tl", "2"])
        let flashPattern = try NSRegularExpression(pattern: "flash (\\d+\\.\\d) KB")
        func flash(_ text: String) -> Double? {
            guard let match = flashPattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(at: 1), in: text) else { return nil }
            return Double(text[range])
        }
        let ready = try waitFor(60, "the Compress view") { $0.contains("Compress · precision per layer") && $0.contains("ready") && flash($0) != nil }
        XCTAssertTrue(ready.contains("fc1") && ready.contains("FULLY_CONNECTED"), ready)
        try tmux(["send-keys", "-t", "tl", "-"])
        let narrowed = try waitFor(30, "the int4 plan's figures") { $0.contains("int4") && $0.contains("ready") && flash($0) != flash(ready) }
        // fc1 is 220 → 64: 14,080 int8 weight bytes become 7,040 of int4.
        XCTAssertEqual(try XCTUnwrap(flash(ready)) - XCTUnwrap(flash(narrowed)), 6.9, accuracy: 0.11, narrowed)
        try tmux(["send-keys", "-t", "tl", "s"])
        _ = try waitFor(30, "the saved variant") { $0.contains("saved variants/tuned-1.json") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tune/variants/tuned-1.json").path))

        try tmux(["send-keys", "-t", "tl", "6"])
        // The int8 model is the largest, the int4 one the smallest (and it may also be the one that fits the watch).
        let present = try waitFor(30, "two models to choose from") { $0.contains("▶ largest") && $0.contains("smallest") }
        let lines = present.components(separatedBy: "\n")
        let row = try XCTUnwrap(lines.firstIndex { $0.contains("smallest") && !$0.contains("▶") }, present)
        let col = try XCTUnwrap(lines[row].range(of: "smallest")).lowerBound.utf16Offset(in: lines[row])
        // X10 mouse encoding (what tmux forwards with the standard mouse mode ncurses asks for):
        // ESC [ M, then 32 + button (0 press, 3 release), 32 + column, 32 + row, both 1-based.
        func click(row: Int, col: Int) throws {
            for button in [0, 3] {
                try tmux(["send-keys", "-t", "tl", "-H", "1b", "5b", "4d"] + [32 + button, 33 + col, 33 + row].map { String($0, radix: 16) })
            }
        }
        // In the debug build this test runs, the first mouse report after the workbench starts is
        // lost (a tab click too; the release build takes it; not yet explained): so a first click
        // on the floor plan, which must choose nothing.
        try click(row: row, col: 3)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(try screen().contains("▶ largest"), "a click on the floor plan chose a model")
        try click(row: row, col: col)
        _ = try waitFor(10, "the clicked model chosen") { text in
            !text.contains("▶ largest") && text.components(separatedBy: "\n").contains { $0.contains("▶") && $0.contains("smallest") }
        }
        try tmux(["send-keys", "-t", "tl", "q"])
    }

    /// `a` in the Compress view runs the automatic search in the background and shows its front;
    /// `tinyloc compress --auto` on the same session with the same budgets (the session's 64 KB,
    /// the nRF52840's 1 MB of flash) prints the same front: one engine path, two front ends.
    func testAutomaticSearchShowsTheSameFrontAsTheCommandLine() throws {
        _ = try start(width: 120, height: 40, arguments: [
            "--sessions-dir", folder.path, "--session", "auto", "--recordings", "3", "--minutes", "3", "--epochs", "2", "--pace", "0",
        ])
        _ = try waitFor(90, "the run to finish") { $0.contains("done") }
        try tmux(["send-keys", "-t", "tl", "2"])
        _ = try waitFor(60, "the Compress view") { $0.contains("Compress · precision per layer") && $0.contains("ready") }
        try tmux(["send-keys", "-t", "tl", "a"])
        let searched = try waitFor(120, "the search's front") { $0.contains("◀ chosen") && $0.contains("ready") }
        XCTAssertTrue(searched.contains("Pareto front of the automatic search under RAM 64 KB · flash 1.00 MB (nRF52840)"), searched)
        // "F1 0.577  1/2 int4" on screen, "val F1 0.577  (1 of 2 layers int4)" from the command line.
        func front(_ text: String, _ pattern: String) throws -> [String] {
            let regex = try NSRegularExpression(pattern: pattern)
            return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
                (1..<match.numberOfRanges).map { String(text[Range(match.range(at: $0), in: text)!]) }.joined(separator: " ")
            }
        }
        let shown = try front(searched, #"F1 (\d\.\d{3})  (\d+)/(\d+) int4"#)
        XCTAssertFalse(shown.isEmpty, searched)
        try tmux(["send-keys", "-t", "tl", "q"])
        _ = try waitFor(20, "the workbench to quit") { $0.contains("saved in") }
        let cli = try Harness.run(["compress", "--sessions-dir", folder.path, "--session", "auto", "--auto", "--ram-kb", "64", "--flash-kb", "1024"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        XCTAssertEqual(shown, try front(cli.stdout, #"val F1 (\d\.\d{3})  \((\d+) of (\d+) layers int4\)"#), cli.stdout)
    }

    /// The Compare view lists the variants of both sessions in the folder; `s` twice orders them
    /// by RAM (equal here: the same model, so by session name), and Enter on the first row opens
    /// that session in place of the one running.
    func testCompareViewSortsAndOpensTheSelectedSession() throws {
        _ = try start(width: 120, height: 40, arguments: [
            "--sessions-dir", folder.path, "--session", "one", "--recordings", "3", "--minutes", "3", "--epochs", "1", "--pace", "0",
        ])
        _ = try waitFor(90, "the first run to finish") { $0.contains("done") }
        try tmux(["send-keys", "-t", "tl", "q"])
        _ = try waitFor(20, "the workbench to quit") { $0.contains("saved in") }
        try tmux(["kill-session", "-t", "tl"])
        _ = try start(width: 80, height: 24, arguments: [
            "--sessions-dir", folder.path, "--session", "two", "--recordings", "3", "--minutes", "3", "--epochs", "1", "--pace", "0",
        ])
        _ = try waitFor(90, "the second run to finish") { $0.contains("done") }
        try tmux(["send-keys", "-t", "tl", "5"])
        _ = try waitFor(20, "both sessions' variants") { $0.contains("one/int8") && $0.contains("two/int8") }
        try tmux(["send-keys", "-t", "tl", "s", "s"])
        let byRAM = try waitFor(10, "the RAM order") { $0.contains("least RAM first") }
        let rows = byRAM.split(separator: "\n").filter { $0.contains("/int8") }
        XCTAssertEqual(rows.count, 2, byRAM)
        XCTAssertTrue(rows.first?.contains("one/int8") == true, byRAM)
        try tmux(["send-keys", "-t", "tl", "Up", "Enter"])
        let opened = try waitFor(60, "session one to open") { $0.contains("session one") && $0.contains("done") }
        XCTAssertTrue(opened.contains("Loss / macro-F1"), "Enter goes back to the panes:\n\(opened)")
        try tmux(["send-keys", "-t", "tl", "q"])
    }

    func testWorkbenchTrainsLiveReplaysAndQuitsCleanly() throws {
        let exitFile = try start(width: 120, height: 40, arguments: [
            "--sessions-dir", folder.path, "--session", "tui", "--recordings", "3", "--minutes", "6",
            "--epochs", "8", "--pace", "0.3",
        ])
        let braille = { (text: String) in text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) } }
        let training = try waitFor(60, "the first epochs on the chart") { $0.contains("epoch 2/8") && braille($0) }
        for title in ["Loss / macro-F1", "RAM per layer", "Quantization error", "Replay"] {
            XCTAssertTrue(training.contains(title), "missing pane \(title):\n\(training)")
        }
        XCTAssertTrue(training.contains("◀ peak"), training)

        // The curve moves: a later epoch appears on the same chart.
        _ = try waitFor(30, "a later epoch") { $0.contains("epoch 4/8") || $0.contains("done") }

        // The replay runs: its step counter advances between two captures.
        let stepPattern = try NSRegularExpression(pattern: "step (\\d+)/(\\d+)")
        func step(_ text: String) -> Int? {
            guard let match = stepPattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(at: 1), in: text) else { return nil }
            return Int(text[range])
        }
        let first = try waitFor(30, "the replay") { step($0) != nil && $0.contains("● true") }
        let later = try waitFor(10, "the replay to advance") { step($0) != nil && step($0) != step(first) }
        XCTAssertNotEqual(step(first), step(later))

        // Finished: the quantization pane shows the measured SQNR of a real layer.
        let done = try waitFor(60, "the int8 results") { $0.contains("SQNR") && $0.contains("fc1") }
        XCTAssertTrue(done.contains("int8"), done)

        try tmux(["send-keys", "-t", "tl", "?"])
        _ = try waitFor(5, "the help overlay") { $0.lowercased().contains("help") && $0.contains("quit") }
        try tmux(["send-keys", "-t", "tl", "?"])
        try tmux(["send-keys", "-t", "tl", "q"])
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: exitFile.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let status = try String(contentsOf: exitFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(status, "0")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tui/report.json").path))
    }

    /// With no model and no session named, the workbench walks the study's path: a teacher, the
    /// student distilled from it, its integer model, each stage's figure on screen as it finishes.
    func testTheBareWorkbenchWalksTheStudysPath() throws {
        let exitFile = try start(width: 80, height: 24, arguments: [
            "--sessions-dir", folder.path, "--recordings", "3", "--minutes", "1", "--epochs", "1", "--pace", "0",
        ])
        let done = try waitFor(120, "the integer model's figure") { $0.range(of: #"→ int8 +test F1 0\.\d+ · \d+ s"#, options: .regularExpression) != nil }
        XCTAssertTrue(done.range(of: #"  teacher 39\.0 k +test F1 0\.\d+ · \d+ s"#, options: .regularExpression) != nil, done)
        XCTAssertTrue(done.range(of: #"→ student 18\.5 k +test F1 0\.\d+ · \d+ s"#, options: .regularExpression) != nil, done)
        XCTAssertTrue(done.contains("-student · student int8"), "the header names the student's session:\n\(done)")
        try tmux(["send-keys", "-t", "tl", "q"])
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: exitFile.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertEqual(try String(contentsOf: exitFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), "0")
        let sessions = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("demo-") }.sorted()
        XCTAssertEqual(sessions.map { $0.hasSuffix("-student") ? "student" : $0.hasSuffix("-teacher") ? "teacher" : $0 }, ["student", "teacher"])
        for session in sessions {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(session)/report.json").path), session)
        }
    }

    /// On a terminal, a headless run shows how far the epoch in training has got on a line it
    /// redraws in place, and wipes it before printing anything else.
    func testHeadlessRunOnATerminalShowsEpochProgressAndLeavesNoTrace() throws {
        _ = try start(width: 120, height: 40, arguments: [
            "run", "--headless", "--sessions-dir", folder.path, "--session", "progress", "--model", "student",
            "--recordings", "3", "--minutes", "5", "--epochs", "1",
        ])
        let moving = try waitFor(120, "the progress line") { $0.range(of: #"epoch 1: \d+ % of \d+ windows"#, options: .regularExpression) != nil }
        XCTAssertTrue(moving.contains("model student · 18473 parameters"), moving)
        let done = try waitFor(240, "the end of the run") { $0.contains("report: ") }
        XCTAssertFalse(done.contains("% of"), done)
        XCTAssertTrue(done.contains("  epoch   1  loss"), done)
    }

    func testSmallTerminalGetsAMessageAndDumbTerminalIsRefused() throws {
        _ = try start(width: 70, height: 20, arguments: ["--sessions-dir", folder.path, "--session", "small",
                                                         "--recordings", "3", "--minutes", "3", "--epochs", "1"])
        let small = try waitFor(30, "the too-small message") { $0.contains("80×24") }
        XCTAssertTrue(small.contains("70×20"), small)
        try tmux(["resize-window", "-t", "tl", "-x", "100", "-y", "30"])
        _ = try waitFor(30, "the panes after resizing") { $0.contains("Loss / macro-F1") }
        try tmux(["send-keys", "-t", "tl", "q"])

        // The second session starts before the first is killed: a tmux server with no sessions
        // exits, and a new-session racing that exit was seen to be lost (no exit status, CI red).
        let exitFile = folder.appendingPathComponent("dumb-exit-status")
        let command = "TERM=dumb '\(Harness.executable.path)' --sessions-dir '\(folder.path)' > '\(folder.path)/out' 2>&1; echo $? > '\(exitFile.path)'; sleep 60"
        try tmux(["new-session", "-d", "-s", "dumb", "-x", "100", "-y", "30", command])
        try tmux(["kill-session", "-t", "tl"])
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: exitFile.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let status = try String(contentsOf: exitFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotEqual(status, "0")
        let output = try String(contentsOf: folder.appendingPathComponent("out"), encoding: .utf8)
        XCTAssertTrue(output.contains("tinyloc run --headless"), output)
    }
}

private struct TmuxFailure: Error, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    var description: String { "tmux \(arguments.joined(separator: " ")) failed (wait status \(status))" }
}
