import Foundation
import Models
import Sessions
import XCTest
@testable import Workbench

final class AppTests: XCTestCase {
    private func idle() -> WorkbenchState {
        var state = Fixtures.state()
        state.training.running = false
        return state
    }

    /// A playing replay with nobody at the keyboard and no training pauses itself once the idle
    /// limit has passed, so the app stops polling; never while training runs or before the limit.
    func testAnUnattendedReplayPausesItself() {
        var playing = idle()
        playing.replay?.playing = true
        let controller = FakeController(playing)
        let app = WorkbenchApp(terminal: InMemoryScreen(width: 120, height: 40), controller: controller, frameInterval: .zero,
                               idleLimit: .zero)
        XCTAssertNotNil(app.redrawIfNeeded(), "a playing replay keeps the app polling")
        XCTAssertTrue(app.pauseReplayIfIdle())
        XCTAssertEqual(controller.commands, ["replay(togglePlay)"])

        var training = playing
        training.training.running = true
        let busy = FakeController(training)
        let watched = WorkbenchApp(terminal: InMemoryScreen(width: 120, height: 40), controller: busy, frameInterval: .zero, idleLimit: .zero)
        watched.redrawIfNeeded()
        XCTAssertFalse(watched.pauseReplayIfIdle(), "training is running: the screen is live anyway")
        let patient = WorkbenchApp(terminal: InMemoryScreen(width: 120, height: 40), controller: FakeController(playing),
                                   frameInterval: .zero, idleLimit: .seconds(3600))
        patient.redrawIfNeeded()
        XCTAssertFalse(patient.pauseReplayIfIdle(), "not idle long enough")
    }

    func testTabAndShiftTabMoveFocusAndTheHighlight() {
        let controller = FakeController(idle())
        let screen = InMemoryScreen(width: 120, height: 40)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.handle(.tab)
        XCTAssertEqual(app.ui.focus, .memory)
        app.redrawIfNeeded()
        let memory = Layout(size: screen.size).rect(for: .memory)
        XCTAssertEqual(screen.cell(row: memory.row, col: memory.col).style.fg, .focus)
        app.handle(.tab); app.handle(.tab); app.handle(.tab)
        XCTAssertEqual(app.ui.focus, .train, "focus wraps around")
        app.handle(.backTab)
        XCTAssertEqual(app.ui.focus, .replay)
        XCTAssertTrue(controller.commands.isEmpty)
    }

    func testRunRoutesKeysToTheControllerAndQuitsOnQ() {
        let controller = FakeController(idle())
        let screen = InMemoryScreen(width: 120, height: 40, keys: [
            .char(" "), .up, .down, .char("p"), .char("+"), .char("]"), .char("-"), .char("["), .tab, .char("q"), .char(" "),
        ])
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.run()
        XCTAssertEqual(controller.commands, [
            "togglePause", "selectLayer(-1)", "selectLayer(1)", "replay(togglePlay)",
            "replay(faster)", "replay(faster)", "replay(slower)", "replay(slower)", "quit",
        ])
        XCTAssertEqual(screen.scriptedKeys, [.char(" ")], "nothing is read after q")
        XCTAssertEqual(app.ui.focus, .memory)
    }

    func testInterruptQuitsLikeQ() {
        let controller = FakeController(idle())
        WorkbenchApp.run(terminal: InMemoryScreen(width: 80, height: 24, keys: [.interrupt]), controller: controller)
        XCTAssertEqual(controller.commands, ["quit"])
    }

    func testNumberKeysZoomAndToggleBack() {
        var ui = WorkbenchUI()
        let controller = FakeController()
        _ = ui.handle(.char("3"), controller: controller)
        XCTAssertEqual(ui.view, .zoomed(.memory))
        XCTAssertEqual(ui.focus, .memory)
        _ = ui.handle(.char("3"), controller: controller)
        XCTAssertEqual(ui.view, .overview)
        _ = ui.handle(.char("5"), controller: controller)
        XCTAssertEqual(ui.view, .compare)
        _ = ui.handle(.escape, controller: controller)
        XCTAssertEqual(ui.view, .overview)
        _ = ui.handle(.char("?"), controller: controller)
        XCTAssertTrue(ui.showHelp)
        _ = ui.handle(.escape, controller: controller)
        XCTAssertFalse(ui.showHelp)
    }

    func testNoRedrawWhenNothingChanged() {
        let controller = FakeController(idle())
        let screen = InMemoryScreen(width: 120, height: 40)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.redrawIfNeeded()
        app.redrawIfNeeded()
        app.redrawIfNeeded()
        XCTAssertEqual(screen.refreshCount, 1)
        controller.state.training.epochs.removeLast()
        app.redrawIfNeeded()
        XCTAssertEqual(screen.refreshCount, 2)
        app.handle(.tab)
        app.redrawIfNeeded()
        XCTAssertEqual(screen.refreshCount, 3)
    }

    func testRedrawsAreThrottled() {
        let controller = FakeController(idle())
        let screen = InMemoryScreen(width: 120, height: 40)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .seconds(60))
        app.redrawIfNeeded()
        controller.state.training.status = "changed"
        let wait = app.redrawIfNeeded()
        XCTAssertEqual(screen.refreshCount, 1, "a second frame within the interval waits")
        XCTAssertNotNil(wait)
        XCTAssertGreaterThan(wait ?? 0, 1000)
    }

    func testResizeRedrawsAtTheNewSize() {
        let controller = FakeController(idle())
        let screen = InMemoryScreen(width: 120, height: 40)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.redrawIfNeeded()
        screen.resize(width: 79, height: 24)
        app.run()
        XCTAssertEqual(screen.refreshCount, 2)
        XCTAssertTrue(screen.text.contains("this terminal is 79×24"))
    }

    func testBlocksOnKeysWhenIdleAndPollsWhileSomethingMoves() {
        // "x" is bound to nothing, so nothing changes and the loop goes straight back to waiting.
        let idleScreen = InMemoryScreen(width: 80, height: 24, keys: [.char("x"), .char("q")])
        WorkbenchApp.run(terminal: idleScreen, controller: FakeController(idle()))
        XCTAssertEqual(idleScreen.requestedTimeouts, [nil, nil])

        // A key that changes the screen right after a frame waits out the frame interval, no longer.
        let pending = InMemoryScreen(width: 80, height: 24, keys: [.tab, .char("q")])
        WorkbenchApp.run(terminal: pending, controller: FakeController(idle()))
        XCTAssertNil(pending.requestedTimeouts[0])
        XCTAssertLessThanOrEqual(pending.requestedTimeouts[1] ?? .max, 100)

        let training = InMemoryScreen(width: 80, height: 24, keys: [.char("q")])
        WorkbenchApp.run(terminal: training, controller: FakeController(Fixtures.state()))
        XCTAssertEqual(training.requestedTimeouts, [100])

        var playing = idle()
        playing.replay?.playing = true
        let replay = InMemoryScreen(width: 80, height: 24, keys: [.char("q")])
        WorkbenchApp.run(terminal: replay, controller: FakeController(playing))
        XCTAssertEqual(replay.requestedTimeouts, [100])
    }
}

final class RunPickerTests: XCTestCase {
    func testPickerChoosesDataSourceAndModelThenStartsARun() {
        var state = Fixtures.state()
        state.training.running = false
        state.choices = .init(dataSources: ["simulated home", "SPHERE"], models: ["mlp", "mamba", "student"],
                              currentDataSource: 0, currentModel: 0)
        let controller = FakeController(state)
        let screen = InMemoryScreen(width: 120, height: 40)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.redrawIfNeeded()
        app.handle(.char("n"))
        app.redrawIfNeeded()
        XCTAssertTrue(screen.text.contains("New run"), screen.text)
        XCTAssertTrue(screen.text.contains("◀ simulated home"), screen.text)
        app.handle(.right)            // data: SPHERE
        app.handle(.down)             // to the model field
        app.handle(.left)             // model wraps to the last: student
        app.handle(.char(" "))        // ignored while the picker is open
        app.redrawIfNeeded()
        XCTAssertTrue(screen.text.contains("◀ SPHERE"), screen.text)
        XCTAssertTrue(screen.text.contains("◀ student"), screen.text)
        app.handle(.enter)
        XCTAssertEqual(controller.commands, ["startRun(1, 2, 0)"])
        XCTAssertNil(app.ui.picker)
    }

    func testEscapeClosesThePickerWithoutStartingAndNoChoicesMeansNoPicker() {
        var state = Fixtures.state()
        state.choices = .init(dataSources: ["simulated home"], models: ["mlp"])
        let controller = FakeController(state)
        let app = WorkbenchApp(terminal: InMemoryScreen(width: 120, height: 40), controller: controller, frameInterval: .zero)
        app.redrawIfNeeded()
        app.handle(.char("n"))
        XCTAssertNotNil(app.ui.picker)
        app.handle(.escape)
        XCTAssertNil(app.ui.picker)
        XCTAssertTrue(controller.commands.isEmpty)

        let bare = WorkbenchApp(terminal: InMemoryScreen(width: 120, height: 40), controller: FakeController(), frameInterval: .zero)
        bare.redrawIfNeeded()
        bare.handle(.char("n"))
        XCTAssertNil(bare.ui.picker, "without choices (e.g. a controller that cannot start runs) n does nothing")
    }
}

final class DistillationViewTests: XCTestCase {
    func testPickerOffersFinishedSessionsAsTeachers() {
        var state = Fixtures.state()
        state.training.running = false
        state.choices = .init(dataSources: ["simulated home"], models: ["mlp", "student"], teachers: ["none", "teacher · demo"])
        let controller = FakeController(state)
        let screen = InMemoryScreen(width: 120, height: 40)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.redrawIfNeeded()
        app.handle(.char("n"))
        app.handle(.down)
        app.handle(.right)            // model: student
        app.handle(.down)
        app.handle(.right)            // teacher: the finished session
        app.redrawIfNeeded()
        XCTAssertTrue(screen.text.contains("◀ teacher · demo"), screen.text)
        XCTAssertTrue(screen.text.contains("a teacher brings its own data"), screen.text)
        app.handle(.enter)
        XCTAssertEqual(controller.commands, ["startRun(0, 1, 1)"])
    }

    func testTrainPaneDrawsTheTeacherCurveBesideTheStudent() {
        var state = Fixtures.state()
        state.training.teacher = .init(label: "teacher (t1)", epochs: (1...6).map {
            .init(epoch: $0, trainLoss: 1, valLoss: 1, trainF1: 0.5, valF1: 0.5 + 0.05 * Double($0))
        })
        let screen = InMemoryScreen(width: 120, height: 40)
        WorkbenchApp.render(state: state, into: screen)
        XCTAssertTrue(screen.text.contains("teacher val"), screen.text)
        XCTAssertTrue(screen.text.contains("distilling from teacher (t1)"), screen.text)
    }
}

final class TrainingStatusTests: XCTestCase {
    /// The status names the epoch early stopping keeps: the first with the highest validation F1.
    func testBestSoFarIsTheFirstEpochWithTheHighestValidationF1() {
        let epochs = [0.4, 0.7, 0.6, 0.7].enumerated().map {
            WorkbenchState.EpochMetrics(epoch: $0.offset + 1, trainLoss: 1, valLoss: 1, trainF1: 0.5, valF1: $0.element)
        }
        XCTAssertEqual(SessionController.bestSoFar(epochs), "best val F1 0.70 at 2")
        XCTAssertEqual(SessionController.bestSoFar([]), "")
    }
}

final class SessionControllerTests: XCTestCase {
    private func run(_ kind: ModelKind, name: String) throws -> (WorkbenchState, Session, SessionController) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-controller-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        var config = SessionConfig(name: name)
        config.data.recordings = 3
        config.data.minutesPerRecording = 2
        config.model = ModelConfig(kind: kind)
        config.training.epochs = 1
        let session = try Session.openOrCreate(root: root, config: config).session
        let controller = SessionController(session: session, epochPace: 0)
        controller.start()
        XCTAssertTrue(controller.waitUntilStopped(timeout: 120), "the run did not finish")
        return (controller.snapshot(), session, controller)
    }

    /// A real, tiny student run: the RAM and quantization panes show its integer model, with the
    /// figures the run wrote to report.json.
    func testAStudentRunShowsItsIntegerModel() throws {
        let (state, session, controller) = try run(.studentTiny, name: "student-run")
        XCTAssertFalse(state.notice?.isError ?? false, state.notice?.text ?? "")
        XCTAssertEqual(state.training.parameters, ModelConfig(kind: .studentTiny)
            .build(shape: ModelShape(steps: 20, features: 11, classes: 9), seed: 1).parameterCount)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: session.reportURL)) as? [String: Any]
        let integer = ((report?["memory"] as? [String: Any])?["integer"] as? [String: Any])
        let arena = try XCTUnwrap(integer?["arenaBytes"] as? Int)
        XCTAssertNil(state.memory.unavailable)
        XCTAssertEqual(state.memory.precision, "int8")
        XCTAssertEqual(state.memory.arenaPeakBytes, arena)
        XCTAssertNil(state.quantization.unavailable)
        XCTAssertEqual(state.quantization.tensors.filter { $0.kind == .activation }.count, (report?["quantization"] as? [Any])?.count)
        XCTAssertNotNil(state.quantization.int8F1)
        XCTAssertNil(state.training.inProgress)
        // The Compare view lists the run's int8 variant with the test score report.json holds.
        let deadline = Date().addingTimeInterval(30)
        while controller.snapshot().variants.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let variant = try XCTUnwrap(controller.snapshot().variants.first)
        XCTAssertEqual(variant.session, "student-run")
        XCTAssertEqual(variant.name, "int8")
        XCTAssertEqual(variant.testF1, try XCTUnwrap((report?["testInt8"] as? [String: Any])?["macroF1"] as? Double), accuracy: 1e-12)
        let compare = InMemoryScreen(width: 120, height: 40, capabilities: .full)
        WorkbenchApp.render(state: controller.snapshot(), ui: WorkbenchUI(view: .compare), into: compare)
        XCTAssertTrue(compare.text.contains("saved variants of every session"), compare.text)
        XCTAssertTrue(compare.text.contains("student-run"), compare.text)

        let screen = InMemoryScreen(width: 120, height: 40, capabilities: .full)
        WorkbenchApp.render(state: state, into: screen)
        XCTAssertTrue(screen.text.contains("int8"), screen.text)
        XCTAssertTrue(screen.text.contains("embed"), screen.text)
        // The header says which recordings validate and test.
        XCTAssertEqual(state.header.dataset, "sim:sphere-house · val sim-001 · test sim-002")
        let wide = InMemoryScreen(width: 160, height: 40, capabilities: .full)
        WorkbenchApp.render(state: state, into: wide)
        XCTAssertTrue(wide.line(0).contains("student-tiny int8 · sim:sphere-house · val sim-001 · test sim-002"), wide.text)
    }

    /// The Compress view on a real run: the controller loads the trained model in the background,
    /// shows every op, and a key narrowing the first layer's weights to int4 lowers the flash the
    /// view shows once the background evaluation lands; undo brings it back.
    func testCompressViewTunesALayerInTheBackground() throws {
        let root = temporaryRoot("compress")
        defer { try? FileManager.default.removeItem(at: root) }
        let controller = try finishedRun("tune", model: ModelConfig(kind: .studentTiny), root: root)
        func wait(_ what: String, _ condition: (WorkbenchState.Compress) -> Bool) throws -> WorkbenchState.Compress {
            try waitFor(controller, what) { condition($0.compress) }.compress
        }
        let ready = try wait("the first evaluation") { !$0.rows.isEmpty && $0.status == "ready" }
        XCTAssertEqual(ready.rows.first?.name, "embed")
        XCTAssertEqual(ready.rows.first?.weights, "int8")
        XCTAssertTrue(ready.rows.allSatisfy { !$0.isFloatIsland })

        var ui = WorkbenchUI()
        _ = ui.handle(.char("2"), controller: controller)
        XCTAssertEqual(ui.view, .zoomed(.quantization))
        _ = ui.handle(.char("-"), controller: controller)
        let narrowed = try wait("the int4 evaluation") { $0.status == "ready" && $0.rows.first?.weights == "int4" }
        // embed is 11 → 16: 176 int8 weights become 88 bytes of int4.
        XCTAssertEqual(ready.flashBytes - narrowed.flashBytes, 176 - 88)
        XCTAssertTrue(narrowed.canUndo)

        let screen = InMemoryScreen(width: 120, height: 40, capabilities: .full)
        var state = controller.snapshot()
        state.compress = narrowed
        WorkbenchApp.render(state: state, ui: ui, into: screen)
        XCTAssertTrue(screen.text.contains("Compress · precision per layer"), screen.text)
        XCTAssertTrue(screen.text.contains("flash \(Text.bytes(narrowed.flashBytes))"), screen.text)
        XCTAssertTrue(screen.text.contains("int4"), screen.text)

        _ = ui.handle(.char("u"), controller: controller)
        let undone = try wait("the undo") { $0.status == "ready" && $0.rows.first?.weights == "int8" }
        XCTAssertEqual(undone.flashBytes, ready.flashBytes)

        // Deploy view: e writes the run's integer model as C into the session's export folder.
        _ = ui.handle(.char("3"), controller: controller)
        _ = ui.handle(.char("e"), controller: controller)
        let deadline = Date().addingTimeInterval(60)
        while controller.snapshot().memory.exportStatus?.hasPrefix("exported") != true && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(controller.snapshot().memory.exportStatus, "exported C to \(root.appendingPathComponent("tune/export").path)")
        let source = try String(contentsOf: root.appendingPathComponent("tune/export/model.c"), encoding: .utf8)
        XCTAssertTrue(source.contains("tinyloc_predict"))
    }

    /// A model without a graph lowering (a teacher with a CRF: it labels every step, so there is
    /// no single-window graph; a narrow one, so a debug build trains it quickly) gets panes that say so.
    func testATeacherRunSaysWhichStagesDoNotApplyToIt() throws {
        let root = temporaryRoot("controller")
        defer { try? FileManager.default.removeItem(at: root) }
        var teacher = ModelConfig(kind: .teacher)
        teacher.teacher = TeacherConfig(width: 8)
        teacher.addCRF()
        let controller = try finishedRun("teacher-run", model: teacher, root: root)
        let state = controller.snapshot()
        XCTAssertEqual(state.memory.unavailable, "no RAM plan for teacher + CRF: it has no graph lowering yet")
        XCTAssertEqual(state.quantization.unavailable, "teacher + CRF stays float32: no graph lowering for it yet")
        let screen = InMemoryScreen(width: 120, height: 40, capabilities: .full)
        WorkbenchApp.render(state: state, into: screen)
        XCTAssertTrue(screen.text.contains("teacher + CRF stays float32"), screen.text)
    }

    /// `a` in the Compress view on a real run: the search runs in the background (the command
    /// returns at once), its front lands in the view, the plan it chose becomes the one in the
    /// table, and undo returns to the plan before.
    func testAutomaticSearchShowsItsFrontAndAppliesTheChosenPlan() throws {
        let root = temporaryRoot("search")
        defer { try? FileManager.default.removeItem(at: root) }
        let controller = try finishedRun("search", model: ModelConfig(kind: .mlp), root: root)
        func wait(_ what: String, _ condition: (WorkbenchState.Compress) -> Bool) throws -> WorkbenchState.Compress {
            try waitFor(controller, what) { condition($0.compress) }.compress
        }
        let ready = try wait("the first evaluation") { !$0.rows.isEmpty && $0.status == "ready" }
        var ui = WorkbenchUI()
        _ = ui.handle(.char("2"), controller: controller)
        _ = ui.handle(.char("a"), controller: controller)
        let started = controller.snapshot()
        XCTAssertTrue(started.compress.searching && started.backgroundWork, started.compress.status)
        XCTAssertTrue(started.isAnimating, "the app must keep polling while the search runs")
        let searched = try wait("the search") { !$0.front.isEmpty && !$0.searching && $0.status == "ready" }

        let front = searched.front
        XCTAssertEqual(front.filter(\.isChosen).count, 1)
        // No plan of the front beats another on flash, RAM and F1 at once (pairwise, by definition).
        for p in front {
            for q in front where q != p {
                let noWorse = q.flashBytes <= p.flashBytes && q.arenaBytes <= p.arenaBytes && q.validationF1 >= p.validationF1
                let better = q.flashBytes < p.flashBytes || q.arenaBytes < p.arenaBytes || q.validationF1 > p.validationF1
                XCTAssertFalse(noWorse && better, "\(q) dominates \(p)")
            }
        }
        // The budgets: the session's 64 KB of RAM and its chip's (nRF52840) 1 MB of flash. The
        // chosen plan is the best validation F1 among the front's plans within them, the smaller flash on a tie.
        XCTAssertEqual(searched.frontBudget, "RAM 64 KB · flash 1.00 MB (nRF52840)")
        let fitting = front.filter { $0.arenaBytes <= 64 * 1024 && $0.flashBytes <= 1024 * 1024 }
        let best = fitting.max { ($0.validationF1, -$0.flashBytes) < ($1.validationF1, -$1.flashBytes) }
        let chosen = try XCTUnwrap(front.first(where: \.isChosen))
        XCTAssertEqual(chosen, best)
        // The table shows that plan, evaluated in full (as `s` would save it).
        XCTAssertEqual(searched.flashBytes, chosen.flashBytes)
        XCTAssertEqual(searched.arenaBytes, chosen.arenaBytes)
        XCTAssertEqual(try XCTUnwrap(searched.validationF1), chosen.validationF1, accuracy: 1e-12)
        XCTAssertTrue(searched.canUndo)

        var state = controller.snapshot()
        state.compress = searched
        for (width, height) in [(120, 40), (80, 24)] {
            let screen = InMemoryScreen(width: width, height: height, capabilities: .full)
            WorkbenchApp.render(state: state, ui: ui, into: screen)
            let chosenLine = try XCTUnwrap((0..<height).map { screen.line($0) }.first { $0.contains("◀ chosen") }, screen.text)
            XCTAssertTrue(chosenLine.contains("flash \(Text.bytes(chosen.flashBytes))") && chosenLine.contains(Text.fixed(chosen.validationF1, 3)),
                          chosenLine)
            XCTAssertTrue(screen.text.contains("Pareto front of the automatic search"), screen.text)
        }

        _ = ui.handle(.char("u"), controller: controller)
        let undone = try wait("the undo") { $0.status == "ready" && !$0.canUndo }
        XCTAssertEqual(undone.flashBytes, ready.flashBytes)
    }

    /// The Present view on a real run: the session's saved models, each replayed by its own
    /// integer model, in plain words only.
    func testPresentViewReplaysEachSavedModelInPlainWords() throws {
        let root = temporaryRoot("present")
        defer { try? FileManager.default.removeItem(at: root) }
        let controller = try finishedRun("present", model: ModelConfig(kind: .mlp), root: root)
        func wait(_ what: String, _ condition: (WorkbenchState) -> Bool) throws -> WorkbenchState {
            try waitFor(controller, what, condition)
        }
        let first = try wait("the int8 model's replay") { !$0.presentation.choices.isEmpty && $0.compress.status == "ready" }
        let only = try XCTUnwrap(first.presentation.choices.first)
        XCTAssertEqual(first.presentation.choices.count, 1)
        XCTAssertEqual(only.label, "largest · fits the watch · smallest")
        // The pipeline replayed its int8 model itself; the saved int8 variant, converted again from
        // its plan, names the same room at every step, and its test accuracy is the run's.
        XCTAssertEqual(only.predictions, try XCTUnwrap(first.replay).steps.map(\.predictedRoom))
        XCTAssertEqual(only.accuracy, try XCTUnwrap(first.quantization.deployedAccuracy), accuracy: 1e-12)

        // A second model: fc1's weights at int4, saved; it is the smallest, int8 the largest.
        controller.compress(.weights(-1))
        _ = try wait("the int4 plan") { $0.compress.status == "ready" && $0.compress.rows.first?.weights == "int4" }
        controller.compress(.save)
        let two = try wait("two models to choose from") { $0.presentation.choices.count == 2 }
        let choices = two.presentation.choices
        let largest = try XCTUnwrap(choices.first { $0.label.contains("largest") })
        let smallest = try XCTUnwrap(choices.first { $0.label.contains("smallest") })
        XCTAssertEqual(largest.variant, "int8")
        XCTAssertEqual(smallest.variant, "tuned-1")
        XCTAssertLessThan(smallest.flashBytes, largest.flashBytes)
        // Both fit 32 KB, so the watch gets the more accurate (the smaller on a tie).
        let watch = try XCTUnwrap(choices.first { $0.label.contains("fits the watch") })
        XCTAssertEqual(watch.variant, largest.accuracy > smallest.accuracy ? "int8" : "tuned-1")

        // ← → move the paused replay by a minute of recording: 60 s over the window hop's seconds.
        controller.replay(.togglePlay)
        let config = SessionConfig(name: "present")  // finishedRun keeps the default windows and step rate
        let minute = Int((60 / (Double(config.windowHop) / config.stepRate)).rounded())
        let before = try XCTUnwrap(controller.snapshot().replay)
        XCTAssertFalse(before.playing)
        controller.replay(.scrub(1))
        XCTAssertEqual(controller.snapshot().replay?.index, min(before.index + minute, before.steps.count - 1))
        for _ in 0..<(before.steps.count / minute + 2) { controller.replay(.scrub(-1)) }
        XCTAssertEqual(controller.snapshot().replay?.index, 0, "scrubbing stops at the start")

        var ui = WorkbenchUI()
        _ = ui.handle(.char("6"), controller: controller)
        XCTAssertEqual(ui.view, .present)
        _ = ui.handle(.down, controller: controller, presentChoices: choices.count)
        XCTAssertEqual(ui.presentChoice, 1)
        let replay = try XCTUnwrap(two.replay)
        for (width, height) in [(120, 40), (80, 24)] {
            let screen = InMemoryScreen(width: width, height: height, capabilities: .full)
            WorkbenchApp.render(state: two, ui: ui, into: screen)
            let text = screen.text
            let tenths = Int((choices[1].accuracy * 10).rounded())
            XCTAssertTrue(text.replacingOccurrences(of: "\n", with: " ").contains("Right room \(tenths) times in"), text)
            XCTAssertTrue(text.contains("▶ \(choices[1].label.split(separator: " ")[0])"), text)
            let guess = replay.roomName(choices[1].predictions[replay.index])
            XCTAssertTrue(text.contains("○ the wristband says: \(guess)"), text)
            for jargon in ["F1", "int8", "int4", "RAM", "flash", "SQNR", "epoch", "loss", "variant"] {
                XCTAssertFalse(text.contains(jargon), "\(jargon) on the clinician's screen:\n\(text)")
            }
        }
    }

    private func temporaryRoot(_ purpose: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-\(purpose)-\(UUID().uuidString)")
    }

    /// A real run of `model` on a small simulated home (3 recordings of 2 minutes, 1 epoch) in a
    /// controller, waited for until its pipeline has finished.
    private func finishedRun(_ name: String, model: ModelConfig, root: URL) throws -> SessionController {
        var config = SessionConfig(name: name)
        config.data.recordings = 3
        config.data.minutesPerRecording = 2
        config.model = model
        config.training.epochs = 1
        let controller = SessionController(session: try Session.openOrCreate(root: root, config: config).session, epochPace: 0)
        controller.start()
        XCTAssertTrue(controller.waitUntilStopped(timeout: 120), "the run did not finish")
        return controller
    }

    /// The controller's snapshot once `condition` holds: background work lands on its own time.
    private func waitFor(_ controller: SessionController, _ what: String,
                         _ condition: (WorkbenchState) -> Bool) throws -> WorkbenchState {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let state = controller.snapshot()
            if condition(state) { return state }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw NSError(domain: "AppTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out waiting for \(what)"])
    }
}
