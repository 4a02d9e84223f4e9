import XCTest
@testable import Workbench

final class RenderTests: XCTestCase {
    func testOverviewAt120x40ShowsEveryPane() {
        let screen = Fixtures.render(width: 120, height: 40)
        let layout = Layout(size: screen.size)
        XCTAssertTrue(screen.line(0).contains("tinyloc · session demo-1126 · student int8 · sphere-sim"))
        XCTAssertTrue(screen.line(0).hasSuffix("1 Train 2 Compress 3 Deploy 4 Replay 5 Compare 6 Present "), screen.line(0))
        XCTAssertTrue(screen.line(39).contains("space pause · Tab focus · ? help · q quit"))
        XCTAssertTrue(screen.line(39).contains("epoch 18 · loss 0.06 · val F1 0.87"))

        let train = screen.lines(in: layout.rect(for: .train)).joined(separator: "\n")
        XCTAssertTrue(train.contains("Loss / macro-F1"))
        XCTAssertTrue(train.contains("epoch 18/40 · 41 % of epoch 19 · best val F1 0.87 at 17"), train)
        XCTAssertGreaterThan(train.unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }.count, 20,
                             "braille curve glyphs in the chart area")
        XCTAssertTrue(train.contains("train ─ val ┄"))

        // The figures the engine planned for a student (Fixtures.engine), as the pane must print them.
        let plan = Fixtures.engine.memory.integer!
        let memory = screen.lines(in: layout.rect(for: .memory))
        XCTAssertTrue(memory[0].contains("RAM per layer (int8)"))
        XCTAssertTrue(memory.contains { $0.contains("budget 64 KB") && $0.contains(Text.bytes(plan.arenaBytes)) }, memory.joined(separator: "\n"))
        let peakRows = memory.filter { $0.contains("◀ peak") }
        XCTAssertEqual(peakRows.count, 1)
        let peak = plan.layers.first { $0.isPeak }!
        XCTAssertTrue(peakRows[0].contains(peak.name) && peakRows[0].contains(Text.bytes(peak.bytes)), peakRows[0])
        XCTAssertTrue(memory.contains { $0.contains("flash \(Text.bytes(plan.flashBytes)) · MACs \(Text.count(plan.macs)) · ≈") && $0.contains("ms @ nRF52840") },
                      memory.joined(separator: "\n"))

        let quant = screen.lines(in: layout.rect(for: .quantization)).joined(separator: "\n")
        let selected = Fixtures.state().quantization.selectedTensor!
        XCTAssertTrue(quant.contains("Quantization error · \(selected.name) (\(selected.precision) \(selected.kind.rawValue))"), quant)
        XCTAssertTrue(quant.contains(String(format: "SQNR %.1f dB", selected.sqnrDB)), quant)
        XCTAssertTrue(quant.contains("█") && quant.contains("−2Δ") && quant.contains("+2Δ"))
        XCTAssertTrue(quant.contains("macro-F1 float 0.842 → int8 0.831 (−0.011)"))

        let replayRect = layout.rect(for: .replay)
        let replay = screen.lines(in: replayRect).joined(separator: "\n")
        XCTAssertTrue(replay.contains("Replay · recording 00006 · 0:06 · ‖ ×8"))
        XCTAssertFalse(replay.contains("decoded"), "an undecoded replay says nothing of a decoder")
        for name in ["ground", "first", "kitchen", "living", "bed1", "bath"] { XCTAssertTrue(replay.contains(name), name) }
        XCTAssertTrue(replay.contains("○ pred  living  ✗"))
        XCTAssertTrue(replay.contains("75% right so far"))
        assertMarkersInRooms(screen, within: replayRect)
    }

    /// A session with a temporal decoder replays the decoded rooms (SessionController passes on the
    /// decoder the runner names in its `finished` event); the legend says which decoder.
    func testADecodedReplaySaysWhichDecoder() {
        var state = Fixtures.state()
        state.replay?.decoder = "lag=10+add=0.01"
        let screen = Fixtures.render(state, width: 120, height: 40)
        let replay = screen.lines(in: Layout(size: screen.size).rect(for: .replay)).joined(separator: "\n")
        XCTAssertTrue(replay.contains("Replay · recording 00006 · 0:06 · ‖ ×8"), replay)
        XCTAssertTrue(replay.contains("rooms decoded by"), replay)
        XCTAssertTrue(replay.contains("lag=10+add=0.01"), replay)
    }

    func testOverviewAt80x24StillShowsEveryPane() {
        let screen = Fixtures.render(width: 80, height: 24)
        let text = screen.text
        for title in ["Loss / macro-F1", "RAM per layer", "Quantization error", "Replay"] { XCTAssertTrue(text.contains(title), title) }
        // The whole title and six named tabs need more than 80 columns, so only the lit tab keeps its name.
        XCTAssertTrue(screen.line(0).hasPrefix(" tinyloc · session demo-1126 · student int8 · sphere-sim "), screen.line(0))
        XCTAssertTrue(screen.line(0).hasSuffix("1 Train 2 3 4 5 6 "), screen.line(0))
        XCTAssertEqual(screen.find("◀ peak").count, 1)
        XCTAssertTrue(screen.line(screen.find("◀ peak")[0].row).contains(Fixtures.engine.memory.integer!.peakLayer))
        XCTAssertTrue(text.contains("macro-F1  train"), "one chart and an F1 line when two charts do not fit")
        assertMarkersInRooms(screen, within: Layout(size: screen.size).rect(for: .replay))
    }

    /// ● must label the true room (kitchen) and ○ the predicted one (living), each inside its
    /// room's fill. (Which side each room is on depends on whether the plan is drawn turned.)
    private func assertMarkersInRooms(_ screen: InMemoryScreen, within rect: Rect, file: StaticString = #filePath, line: UInt = #line) {
        let trueLabel = screen.find("● kitchen").filter { rect.contains(row: $0.row, col: $0.col) }
        let predLabel = screen.find("○ living").filter { rect.contains(row: $0.row, col: $0.col) }
        XCTAssertEqual(trueLabel.count, 1, file: file, line: line)
        XCTAssertEqual(predLabel.count, 1, file: file, line: line)
        var filled: [ColorRole: Int] = [:]
        for r in rect.row..<rect.bottom {
            for c in rect.col..<rect.right {
                let cell = screen.cell(row: r, col: c)
                if cell.character == " ", let bg = cell.style.bg { filled[bg, default: 0] += 1 }
            }
        }
        XCTAssertGreaterThan(filled[.trueRoom] ?? 0, 10, file: file, line: line)
        XCTAssertGreaterThan(filled[.predRoom] ?? 0, 10, file: file, line: line)
        if let t = trueLabel.first, let p = predLabel.first {
            XCTAssertEqual(screen.cell(row: t.row, col: t.col).style.bg, .trueRoom, file: file, line: line)
            XCTAssertEqual(screen.cell(row: p.row, col: p.col).style.bg, .predRoom, file: file, line: line)
        }
    }

    func testTooSmallTerminalGetsAMessageInsteadOfPanes() {
        let screen = Fixtures.render(width: 79, height: 24)
        XCTAssertTrue(screen.text.contains("tinyloc needs at least 80×24; this terminal is 79×24"))
        XCTAssertFalse(screen.text.contains("Loss"))
        XCTAssertFalse(screen.text.contains("┌"))
        let narrow = Fixtures.render(width: 30, height: 10)
        XCTAssertTrue(narrow.text.contains("this terminal is"))
        XCTAssertTrue(narrow.text.contains("30×10"))
    }

    func testASCIIFallbackDrawsOnlyASCII() {
        for (w, h) in [(120, 40), (80, 24), (60, 20)] {
            // Variants (the scatter, ● on the front) and a choice to present, so views 5 and 6 draw all they can.
            var state = Fixtures.state()
            state.variants = [.init(session: "a", model: "mlp", name: "int8", precision: "int8", validationF1: 0.7, testF1: 0.8,
                                    arenaBytes: 300, flashBytes: 9000),
                              .init(session: "b", model: "mlp", name: "int8", precision: "int8", validationF1: 0.6, testF1: 0.6,
                                    arenaBytes: 900, flashBytes: 9000)]
            state.presentation.choices = [.init(label: "largest · fits the watch · smallest", variant: "int8", accuracy: 0.75,
                                                ramBytes: 300, flashBytes: 9000, predictions: [1, 1, 1, 0])]
            for ui in [WorkbenchUI(), WorkbenchUI(view: .zoomed(.replay)), WorkbenchUI(view: .compare), WorkbenchUI(view: .present),
                       WorkbenchUI(showHelp: true)] {
                let screen = Fixtures.render(state, ui: ui, width: w, height: h, capabilities: .plainASCII)
                // "?" is what a glyph without an ASCII stand-in becomes; only the help's own key may show it.
                let ownQuestionMarks = ["? help", "?  ", "resident?"]
                XCTAssertFalse(ownQuestionMarks.reduce(screen.text) { $0.replacingOccurrences(of: $1, with: "") }.contains("?"), "\(w)×\(h) \(ui.view): a glyph without an ASCII stand-in\n\(screen.text)")
                let bad = screen.text.unicodeScalars.filter { !$0.isASCII }
                XCTAssertTrue(bad.isEmpty, "\(w)×\(h) \(ui.view): \(String(String.UnicodeScalarView(bad)))")
            }
        }
        let screen = Fixtures.render(width: 120, height: 40, capabilities: .plainASCII)
        XCTAssertTrue(screen.text.contains("< peak"))
        XCTAssertTrue(screen.text.contains("* kitchen"))
        XCTAssertTrue(screen.text.contains("o living"))
    }

    func testFocusedPaneBorderIsHighlighted() {
        let layout = Layout(size: Size(width: 120, height: 40))
        let memory = layout.rect(for: .memory), train = layout.rect(for: .train)
        var screen = Fixtures.render(width: 120, height: 40)
        XCTAssertEqual(screen.cell(row: train.row, col: train.col).style.fg, .focus)
        XCTAssertEqual(screen.cell(row: memory.row, col: memory.col).style.fg, .frame)
        screen = Fixtures.render(ui: WorkbenchUI(focus: .memory), width: 120, height: 40)
        XCTAssertEqual(screen.cell(row: train.row, col: train.col).style.fg, .frame)
        XCTAssertEqual(screen.cell(row: memory.row, col: memory.col).style.fg, .focus)
    }

    func testZoomCompareAndHelpViews() {
        let zoomed = Fixtures.render(ui: WorkbenchUI(focus: .train, view: .zoomed(.train)), width: 120, height: 40)
        XCTAssertTrue(zoomed.line(1).contains("Loss / macro-F1"))
        XCTAssertFalse(zoomed.text.contains("RAM per layer"))

        let compare = Fixtures.render(ui: WorkbenchUI(view: .compare), width: 120, height: 40).text
        XCTAssertTrue(compare.contains("test macro-F1"))
        XCTAssertTrue(compare.contains("0.842") && compare.contains("0.831") && compare.contains("−0.011"))
        XCTAssertTrue(compare.contains("fits the 64 KB chip"))

        var unmeasured = Fixtures.state()
        unmeasured.quantization.int8F1 = nil
        let honest = Fixtures.render(unmeasured, ui: WorkbenchUI(view: .compare), width: 120, height: 40).text
        XCTAssertTrue(honest.contains("—"), "a figure not measured yet is shown as a dash")

        let help = Fixtures.render(ui: WorkbenchUI(showHelp: true), width: 80, height: 24).text
        XCTAssertTrue(help.contains("Keys") && help.contains("pause or resume training") && help.contains("quit"))
    }

    /// The Deploy view (3) from the engine's plan of a student: the verdict in words, a row per
    /// chip, the arena as a timeline with the peak op named.
    func testDeployViewShowsTheChipsAndTheArenaTimeline() {
        let plan = Fixtures.engine.memory.integer!
        let screen = Fixtures.render(ui: WorkbenchUI(focus: .memory, view: .zoomed(.memory)), width: 120, height: 40)
        let text = screen.text
        XCTAssertTrue(text.contains("Deploy (int8)"), text)
        XCTAssertTrue(text.contains("Fits nRF52840, STM32L476, RP2040, ESP32-S3: it needs \(Text.bytes(plan.arenaBytes)) of RAM"), text)
        XCTAssertTrue(text.contains("▲ peak \(Text.bytes(plan.ops.first { $0.isPeak }!.liveBytes)) at \(plan.peakOp)"), text)
        XCTAssertGreaterThan(text.filter { "▁▂▃▄▅▆▇█".contains($0) }.count, plan.ops.count, "a bar per op")
        XCTAssertTrue(text.contains("e export C"), text)
        let small = Fixtures.render(ui: WorkbenchUI(focus: .memory, view: .zoomed(.memory)), width: 80, height: 24)
        XCTAssertTrue(small.text.contains("▲ peak"), small.text)
    }

    func testEmptyStateDoesNotCrashAndSaysWhatIsMissing() {
        let screen = Fixtures.render(WorkbenchState(), width: 80, height: 24)
        XCTAssertTrue(screen.text.contains("waiting for the first epoch"))
        XCTAssertTrue(screen.text.contains("no memory plan yet"))
        XCTAssertTrue(screen.text.contains("no quantized layers yet"))
        XCTAssertTrue(screen.text.contains("no validation recording yet"))
    }

    /// A large model's first epoch can take minutes: the pane says how big the model is and how far
    /// through the epoch training has got, then that it is validating; a pause replaces the progress.
    func testFirstEpochShowsModelSizeAndProgress() {
        var state = WorkbenchState(training: .init(maxEpochs: 40, running: true, status: "training"))
        state.training.parameters = 9_655_561
        state.training.inProgress = .init(epoch: 1, fraction: 0.07)
        var train = Fixtures.render(state, width: 120, height: 40).text
        XCTAssertTrue(train.contains("waiting for the first epoch (9.66 M parameters)…"), train)
        XCTAssertTrue(train.contains("epoch 0/40 · 7 % of epoch 1 · training"), train)

        state.training.inProgress = .init(epoch: 1, fraction: 1, validating: true)
        train = Fixtures.render(state, width: 120, height: 40).text
        XCTAssertTrue(train.contains("epoch 0/40 · validating epoch 1 · training"), train)

        state.training.paused = true
        train = Fixtures.render(state, width: 120, height: 40).text
        XCTAssertTrue(train.contains("epoch 0/40 · ‖ paused · training"), train)
    }

    func testNoticeReplacesKeyHints() {
        var state = Fixtures.state()
        state.notice = .init("checkpoint could not be written", isError: true)
        let screen = Fixtures.render(state, width: 120, height: 40)
        XCTAssertTrue(screen.line(39).contains("checkpoint could not be written"))
        XCTAssertEqual(screen.cell(row: 39, col: 1).style.fg, .bad)
    }

    /// The zoomed replay (4) counts, for each true room, which room the model named over the
    /// whole recording. The fixture's recording: kitchen all along, named kitchen three times and
    /// living once (by hand: the kitchen row has 1 under living, 3 under kitchen, 75 % right).
    func testZoomedReplayShowsTheConfusionPerRoom() {
        var ui = WorkbenchUI()
        ui.view = .zoomed(.replay)
        let wide = Fixtures.render(ui: ui, width: 120, height: 40)
        let kitchen = wide.find(" 2 kitchen")
        XCTAssertEqual(kitchen.count, 1, wide.text)
        let row = wide.line(kitchen[0].row)
        XCTAssertTrue(row.range(of: #"2 kitchen\s+1\s+3\s+·\s+·\s+75%"#, options: .regularExpression) != nil, row)
        let living = wide.line(wide.find(" 1 living")[0].row)
        XCTAssertTrue(living.contains("—"), "no step was truly in the living room: \(living)")
        let narrow = Fixtures.render(ui: ui, width: 80, height: 24)
        // At 80 columns only each room's share right, beside the plan.
        let narrowRow = narrow.find(" 2 kitchen").first.map { narrow.line($0.row) } ?? ""
        XCTAssertTrue(narrowRow.range(of: #"2 kitchen\s+75%"#, options: .regularExpression) != nil, narrow.text)
        XCTAssertTrue(narrow.text.contains("right, whole recording"), narrow.text)
        XCTAssertTrue(narrow.text.contains("● true  kitchen") || narrow.text.contains("●kitchen"), narrow.text)
    }
}
