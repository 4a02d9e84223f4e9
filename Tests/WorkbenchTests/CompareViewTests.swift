import Compression
import XCTest
@testable import Workbench

final class CompareViewTests: XCTestCase {
    func testCompareViewSaysTheTradeOffAndShowsReceiverCoverage() {
        var state = Fixtures.state()
        state.quantization.floatF1 = 0.634
        state.quantization.int8F1 = 0.633
        state.quantization.deployedAccuracy = 0.884
        state.coverage = .init(receivers: ["Kitchen_AP", "Lounge_AP"], rows: [
            .init(recording: "sim-000", role: "train", heardRates: [0.31, 0.48]),
            .init(recording: "sim-005", role: "test", heardRates: [0.29, 0]),
        ])
        let screen = InMemoryScreen(width: 120, height: 40)
        WorkbenchApp.render(state: state, ui: WorkbenchUI(view: .compare), into: screen)
        let text = screen.text
        XCTAssertTrue(text.contains("test macro-F1"), text)
        XCTAssertTrue(text.contains("right room 9 times in 10"), text)
        XCTAssertTrue(text.contains("int8 scores the same as float"), text)
        let testRow = try? XCTUnwrap((0..<40).map { screen.line($0) }.first { $0.contains("sim-005") })
        XCTAssertNotNil(testRow)
        XCTAssertTrue(testRow?.contains("29%") == true && testRow?.contains("silent") == true, testRow ?? "")
        let trainRow = (0..<40).map { screen.line($0) }.first { $0.contains("sim-000") } ?? ""
        XCTAssertTrue(trainRow.contains("31%") && trainRow.contains("48%") && trainRow.contains("train"), trainRow)
    }
}

/// The Compare view's table of saved variants: read from variant files by the controller's own
/// reader, put in the order the user asks for, the Pareto front of test macro-F1 against RAM
/// marked, and Enter opening the selected row's session.
final class VariantTableTests: XCTestCase {
    /// (session, variant, validation F1, test F1, RAM, flash). Hand-derived front of test F1
    /// against RAM: delta/int8 has the best F1 (0.81); alpha/int8 (0.78 at 3200 B) is beaten by
    /// nothing with less RAM and more F1; beta/int8 (0.74 at 1500 B) has the least RAM with the
    /// best F1 there. alpha/tuned-1 loses to alpha/int8 (same RAM, 0.77 < 0.78) and gamma/int4 to
    /// beta/int8 (same RAM, 0.60 < 0.74).
    static let files: [(String, String, Double, Double, Int, Int)] = [
        ("alpha", "int8", 0.80, 0.78, 3200, 26000),
        ("alpha", "tuned-1", 0.79, 0.77, 3200, 20000),
        ("beta", "int8", 0.82, 0.74, 1500, 15000),
        ("gamma", "int4", 0.60, 0.60, 1500, 9000),
        ("delta", "int8", 0.85, 0.81, 9000, 40000),
    ]
    static let front: Set<String> = ["alpha/int8", "beta/int8", "delta/int8"]

    private func rows() throws -> [WorkbenchState.VariantRow] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-variants-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for (session, name, val, test, ram, flash) in Self.files {
            let folder = root.appendingPathComponent(session).appendingPathComponent("variants")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let plan = name == "int4" ? #"{"weights": "int4"}"# : "{}"
            let json = #"{"name": "\#(name)", "model": "student", "plan": \#(plan), "validation": {"macroF1": \#(val)},"#
                + #" "test": {"macroF1": \#(test)}, "arenaBytes": \#(ram), "flashBytes": \#(flash)}"#
            try Data(json.utf8).write(to: folder.appendingPathComponent("\(name).json"))
        }
        return SessionController.variantRows(in: root)
    }

    /// The table's rows as the screen shows them, top to bottom: "session/variant" and whether ● marks it.
    private func shownRows(_ screen: InMemoryScreen) -> [(name: String, onFront: Bool)] {
        (0..<screen.size.height).compactMap { r -> (name: String, onFront: Bool)? in
            let line = screen.line(r)
            guard let file = Self.files.first(where: { line.contains("\($0.0)/\($0.1)") }) else { return nil }
            return ("\(file.0)/\(file.1)", line.contains("●"))
        }
    }

    func testSortCyclesThroughTheColumnsAndTheSelectionFollowsItsRow() throws {
        var state = Fixtures.state()
        state.variants = try rows()
        XCTAssertEqual(state.variants.count, 5)
        let controller = FakeController(state)
        var ui = WorkbenchUI(view: .compare)
        // Each order written out by hand from the table above (ties by session, then variant name).
        let expected: [[String]] = [
            ["delta/int8", "alpha/int8", "alpha/tuned-1", "beta/int8", "gamma/int4"],
            ["delta/int8", "beta/int8", "alpha/int8", "alpha/tuned-1", "gamma/int4"],
            ["beta/int8", "gamma/int4", "alpha/int8", "alpha/tuned-1", "delta/int8"],
            ["gamma/int4", "beta/int8", "alpha/tuned-1", "alpha/int8", "delta/int8"],
            ["alpha/int8", "alpha/tuned-1", "beta/int8", "delta/int8", "gamma/int4"],
        ]
        let footers = ["best test macro-F1 first", "best validation macro-F1 first", "least RAM first", "least flash first", "by session name"]
        _ = ui.handle(.down, controller: controller, variants: state.variants)
        for (order, footer) in zip(expected, footers) {
            // 80 columns: the narrow table, with session/variant in one column.
            let screen = Fixtures.render(state, ui: ui, width: 80, height: 24)
            let shown = shownRows(screen)
            XCTAssertEqual(shown.map(\.name), order, screen.text)
            XCTAssertEqual(Set(shown.filter(\.onFront).map(\.name)), Self.front, screen.text)
            XCTAssertTrue(screen.text.contains("(now \(footer))") || screen.text.contains(footer), screen.text)
            // The selection stays on alpha/int8 whatever the order.
            XCTAssertEqual(order[ui.selectedVariant], "alpha/int8")
            _ = ui.handle(.char("s"), controller: controller, variants: state.variants)
        }
        XCTAssertEqual(ui.variantOrder, .testF1, "five presses of s come back to the first order")
        _ = ui.handle(.enter, controller: controller, variants: state.variants)
        XCTAssertEqual(controller.commands, ["openSession(alpha)"])
        XCTAssertEqual(ui.view, .overview)
    }

    func testWideCompareViewDrawsTheScatterWithTheFront() throws {
        var state = Fixtures.state()
        state.variants = try rows()
        let screen = Fixtures.render(state, ui: WorkbenchUI(view: .compare), width: 120, height: 40)
        let text = screen.text
        XCTAssertTrue(text.contains("session            model"), text)
        let tableEnd = try XCTUnwrap(screen.find("gamma").map(\.row).max())
        // The scatter sits below the table: braille dots and the RAM axis from the least to the most RAM (±5 %).
        let below = (tableEnd + 1..<40).map { screen.line($0) }.joined(separator: "\n")
        XCTAssertTrue(below.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, text)
        XCTAssertTrue(below.contains("1.1 KB · RAM · 9.2 KB"), below)
    }
}

/// Clicks where the terminal reports them: on a tab, on a pane, on a variant's row.
final class ClickTests: XCTestCase {
    func testClicksOpenTabsFocusPanesAndSelectVariants() throws {
        var state = Fixtures.state()
        for (i, name) in ["a", "b", "c"].enumerated() {
            state.variants.append(.init(session: name, model: "mlp", name: "int8", precision: "int8", validationF1: 0.5,
                                        testF1: 0.9 - Double(i) / 10, arenaBytes: 1000 * (i + 1), flashBytes: 9000))
        }
        for (width, height) in [(120, 40), (80, 24)] {
            let screen = InMemoryScreen(width: width, height: height)
            let app = WorkbenchApp(terminal: screen, controller: FakeController(state), frameInterval: .zero)
            app.redrawIfNeeded()
            // The overview: a click inside the replay pane focuses it.
            let replay = Layout(size: screen.size).rect(for: .replay)
            app.handle(.click(row: replay.row + 3, col: replay.col + 5))
            XCTAssertEqual(app.ui.focus, .replay)
            // The tab "5" (named or not) as drawn on the header opens the Compare view.
            let tabFive = try XCTUnwrap(Array(screen.line(0)).indices.last { i in
                let line = Array(screen.line(0))
                return line[i] == "5" && (i + 1 == line.count || line[i + 1] == " ")
            }, screen.line(0))
            app.handle(.click(row: 0, col: tabFive))
            XCTAssertEqual(app.ui.view, .compare, screen.line(0))
            app.redrawIfNeeded()
            // A click on c's row selects it (rows sorted by test F1: a, b, c).
            let row = try XCTUnwrap(screen.find("c/int8").first ?? screen.find("c                  ").first, screen.text)
            app.handle(.click(row: row.row, col: 10))
            XCTAssertEqual(app.ui.selectedVariant, 2, screen.text)
            // Clicking the title row of the table selects nothing else.
            app.handle(.click(row: row.row - 3, col: 10))
            XCTAssertEqual(app.ui.selectedVariant, 2)
        }
    }
}

extension ClickTests {
    /// In the Compress view a click on an op's row selects that op (the controller is asked to
    /// move the selection by the difference).
    func testAClickOnAnOpSelectsIt() throws {
        var state = Fixtures.state()
        // The ops of the fixture's real student graph, in execution order.
        state.compress.rows = Fixtures.engine.layers.map {
            .init(name: $0.name, type: "", weights: "int8", output: "int\($0.bits)", flashBytes: 0, outputBytes: 0,
                  sqnrDB: $0.activationSQNR, histogram: $0.activationErrorHistogram, hasWeights: $0.weightErrorHistogram != nil,
                  isFloatIsland: false)
        }
        XCTAssertEqual(state.compress.rows[3].name, "block0.qkv")
        let controller = FakeController(state)
        let screen = InMemoryScreen(width: 80, height: 24)
        let app = WorkbenchApp(terminal: screen, controller: controller, ui: WorkbenchUI(view: .zoomed(.quantization)), frameInterval: .zero)
        app.redrawIfNeeded()
        let qkv = try XCTUnwrap(screen.find("block0.qkv").first, screen.text)
        app.handle(.click(row: qkv.row, col: 3))
        XCTAssertEqual(controller.commands, ["compress(select(3))"])
        app.handle(.click(row: qkv.row - 4, col: 3))
        XCTAssertEqual(controller.commands.count, 1, "a click on the header line selects nothing")
    }
}

extension ClickTests {
    /// In the Present view a click on any line of a model (its name or its figures) chooses it, as
    /// ↑↓ would; a click elsewhere in the column chooses nothing.
    func testAClickOnAPresentedModelChoosesIt() throws {
        var state = Fixtures.state()
        let steps = try XCTUnwrap(state.replay).steps.count
        state.presentation.choices = [
            .init(label: "largest", variant: "int8", accuracy: 0.9, ramBytes: 3300, flashBytes: 26_000,
                  predictions: Array(repeating: 1, count: steps)),
            .init(label: "fits the watch · smallest", variant: "tuned-1", accuracy: 0.7, ramBytes: 2100, flashBytes: 9000,
                  predictions: Array(repeating: 0, count: steps)),
        ]
        for (width, height) in [(120, 40), (80, 24)] {
            let screen = InMemoryScreen(width: width, height: height)
            let app = WorkbenchApp(terminal: screen, controller: FakeController(state), ui: WorkbenchUI(view: .present),
                                   frameInterval: .zero)
            app.redrawIfNeeded()
            let smallest = try XCTUnwrap(screen.find("fits the watch").first, screen.text)
            app.handle(.click(row: smallest.row, col: smallest.col + 2))
            XCTAssertEqual(app.ui.presentChoice, 1, screen.text)
            app.redrawIfNeeded()
            XCTAssertFalse(screen.find("▶ fits the watch").isEmpty, "the clicked model is marked:\n\(screen.text)")
            // The largest model's figures line ("right 9 in 10 · …") belongs to it.
            let figures = try XCTUnwrap(screen.find("right 9 in 10").first, screen.text)
            app.handle(.click(row: figures.row, col: figures.col))
            XCTAssertEqual(app.ui.presentChoice, 0)
            let heading = try XCTUnwrap(screen.find("Choose a model:").first)
            app.handle(.click(row: heading.row, col: heading.col))
            app.handle(.click(row: smallest.row, col: 3))
            XCTAssertEqual(app.ui.presentChoice, 0, "a click on the heading or the floor plan chooses nothing")
        }
    }
}
