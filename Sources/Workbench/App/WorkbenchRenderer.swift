/// Draws one complete frame from a snapshot and the UI state: the pure step of the app,
/// which tests drive with an `InMemoryScreen`.
extension WorkbenchApp {
    public static func render(state: WorkbenchState, ui: WorkbenchUI = WorkbenchUI(), into terminal: Terminal) {
        terminal.clear()
        let painter = Painter(terminal: terminal)
        let layout = Layout(size: terminal.size)
        if layout.fits {
            headerBar(state: state, ui: ui).draw(in: layout.header, painter: painter)
            switch ui.view {
            case .overview:
                for pane in Pane.allCases {
                    draw(pane, state: state, in: layout.rect(for: pane), focused: pane == ui.focus, painter: painter)
                }
            case .zoomed(.quantization):
                CompressPane(compress: state.compress).draw(in: layout.body, focused: true, painter: painter)
            case .zoomed(.memory):
                DeployPane(memory: state.memory).draw(in: layout.body, focused: true, painter: painter)
            case .zoomed(.replay):
                drawZoomedReplay(state.replay, in: layout.body, painter: painter)
            case .zoomed(let pane):
                draw(pane, state: state, in: layout.body, focused: true, painter: painter)
            case .present:
                PresentPane(replay: state.replay, presentation: state.presentation, selected: ui.presentChoice)
                    .draw(in: layout.body, painter: painter)
            case .compare:
                ComparePane(state: state, order: ui.variantOrder, selected: ui.selectedVariant).draw(in: layout.body, focused: true, painter: painter)
            }
            // On the Present view only errors reach the footer: a notice such as "resumed after epoch 23" is jargon there.
            let notice = ui.view == .present && state.notice?.isError != true ? nil : state.notice
            FooterBar(training: state.training, notice: notice, showsTraining: ui.view != .present)
                .draw(in: layout.footer, painter: painter)
            if ui.showHelp { HelpOverlay().draw(in: layout.body, painter: painter) }
            if ui.showMessage, let notice = state.notice { MessageOverlay(notice: notice).draw(in: layout.body, painter: painter) }
            if let picker = ui.picker { RunPickerOverlay(picker: picker, choices: state.choices).draw(in: layout.body, painter: painter) }
        } else {
            drawTooSmall(layout.screen, painter: painter)
        }
        terminal.refresh()
    }

    private static func draw(_ pane: Pane, state: WorkbenchState, in rect: Rect, focused: Bool, painter: Painter) {
        switch pane {
        case .train:
            TrainPane(training: state.training, studyPath: state.studyPath).draw(in: rect, focused: focused, painter: painter)
        case .memory:
            MemoryPane(memory: state.memory, selectedLayer: state.quantization.selectedTensor?.layer)
                .draw(in: rect, focused: focused, painter: painter)
        case .quantization:
            QuantizationPane(quantization: state.quantization).draw(in: rect, focused: focused, painter: painter)
        case .replay:
            ReplayPane(replay: state.replay).draw(in: rect, focused: focused, painter: painter)
        }
    }

    /// The Present view's audience gets the session's name, not the model's jargon.
    static func headerBar(state: WorkbenchState, ui: WorkbenchUI) -> HeaderBar {
        HeaderBar(header: ui.view == .present ? WorkbenchState.Header(session: state.header.session) : state.header, activeTab: ui.activeTab)
    }

    /// The replay beside its per-room confusion over the whole recording (only each room's share
    /// right when narrow, so every room still shows).
    private static func drawZoomedReplay(_ replay: WorkbenchState.Replay?, in body: Rect, painter: Painter) {
        guard let replay, !replay.steps.isEmpty else {
            ReplayPane(replay: replay).draw(in: body, focused: true, painter: painter)
            return
        }
        let table = ConfusionTable(rooms: replay.rooms, confusion: ConfusionTable.counting(replay.steps, rooms: replay.rooms.count))
        // The matrix when the plan keeps at least 50 columns beside it; otherwise the shares alone.
        let (planRect, tableRect) = body.splitRight(table.matrixWidth + 2 <= body.width - 50 ? table.matrixWidth + 2 : 24)
        ReplayPane(replay: replay).draw(in: planRect, focused: true, painter: painter)
        let inner = Box(title: "Per room", focused: false).draw(in: tableRect, painter: painter)
        table.draw(in: inner, painter: painter)
    }

    static func tooSmallMessage(_ size: Size) -> String {
        "tinyloc needs at least \(Layout.minimum); this terminal is \(size)"
    }

    private static func drawTooSmall(_ screen: Rect, painter: Painter) {
        guard screen.height > 0 else { return }
        // Wrapped at word boundaries so even a very narrow terminal shows the whole sentence.
        let lines = Text.wrap(tooSmallMessage(Size(width: screen.width, height: screen.height)), to: screen.width)
            + ["resize the window, or press q to quit"]
        let top = screen.row + max(0, (screen.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            painter.centred(line, row: top + i, in: screen, style: i == lines.count - 1 ? Style(fg: .muted) : Style(fg: .warn, bold: true))
        }
    }
}
