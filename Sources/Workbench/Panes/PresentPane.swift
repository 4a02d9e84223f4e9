/// The screen for a clinician (view 6): the home's floor plan large, where the resident is and
/// where the chosen model says, one plain sentence about how often it is right and whether it
/// fits the wristband, and the few models to choose from with what each says right now. No
/// technical words: "memory", "right room", "wristband".
struct PresentPane {
    var replay: WorkbenchState.Replay?
    var presentation: WorkbenchState.Presentation
    /// Index into `presentation.choices`.
    var selected: Int

    static let keys = "↑↓ choose a model · p play or pause the day · ← → a minute back or on · Esc back"

    func draw(in rect: Rect, painter: Painter) {
        let box = Box(title: "Where is the resident?", focused: true).draw(in: rect, painter: painter)
        guard box.height >= 6 else { return }
        let (inner, keysRow) = box.splitBottom(1)
        painter.put(Text.truncate(Self.keys, to: keysRow.width - 1), row: keysRow.row, col: keysRow.col + 1, style: Style(fg: .muted))
        let (planArea, column) = Self.planAndColumn(inside: inner)
        if let replay, let step = replay.current {
            FloorPlanView(plan: replay.plan, trueRoom: replay.roomName(step.trueRoom),
                          predictedRoom: predicted(by: chosen, at: replay.index).map(replay.roomName))
                .draw(in: planArea.splitRight(2).0, painter: painter)
        }
        for (i, line) in lines(width: column.width).prefix(column.height).enumerated() {
            painter.put(Text.truncate(line.text, to: column.width - 2), row: column.row + i, col: column.col + 1, style: line.style)
        }
    }

    /// The choice whose lines (label and figures) are drawn at screen cell (`row`, `col`) when the
    /// pane fills `rect`, so a click there picks it as ↑↓ would; the floor plan beside them picks nothing.
    func choice(atRow row: Int, col: Int, in rect: Rect) -> Int? {
        let box = rect.inset(by: 1)
        guard box.height >= 6 else { return nil }
        let column = Self.planAndColumn(inside: box.splitBottom(1).0).column
        guard column.contains(row: row, col: col) else { return nil }
        let index = row - column.row
        let shown = lines(width: column.width).prefix(column.height)
        return shown.indices.contains(index) ? shown[index].choice : nil
    }

    /// The floor plan on the left, the words on the right.
    private static func planAndColumn(inside inner: Rect) -> (plan: Rect, column: Rect) {
        inner.splitRight(inner.width >= 110 ? 46 : 36)
    }

    private var chosen: WorkbenchState.Presentation.Choice? {
        presentation.choices.isEmpty ? nil : presentation.choices[min(max(selected, 0), presentation.choices.count - 1)]
    }

    /// The text column, top to bottom; a line that belongs to a choice says which.
    private func lines(width: Int) -> [(text: String, style: Style, choice: Int?)] {
        var lines: [(text: String, style: Style, choice: Int?)] = []
        func add(_ text: String, _ style: Style, choice: Int? = nil) { lines.append((text, style, choice)) }
        if let replay, let step = replay.current {
            add("At \(Text.clock(step.time)) on the recorded day", Style(fg: .muted))
            add("● the resident: \(replay.roomName(step.trueRoom))", Style(fg: .trueRoom, bold: true))
            if let guess = predicted(by: chosen, at: replay.index) {
                let right = guess == step.trueRoom
                add("○ the wristband says: \(replay.roomName(guess)) " + (right ? "✓" : "✗"), Style(fg: right ? .good : .bad, bold: true))
            }
            add("", .plain)
        }
        guard let chosen else {
            add(presentation.waiting, Style(fg: .muted))
            return lines
        }
        for line in Text.wrap(Self.sentence(chosen), to: width - 2) { add(line, Style(fg: .accent, bold: true)) }
        add("", .plain)
        add("Choose a model:", Style(fg: .muted))
        for (i, option) in presentation.choices.enumerated() {
            let isChosen = i == min(max(selected, 0), presentation.choices.count - 1)
            // A label naming several roles ("largest · fits the watch · smallest") wraps rather than losing one.
            for (n, part) in Text.wrap(option.label, to: width - 4).enumerated() {
                add((n > 0 ? "  " : isChosen ? "▶ " : "  ") + part,
                    isChosen ? Style(fg: .accent, bold: true, reverse: true) : Style(bold: true), choice: i)
            }
            add("    right \(Self.tenths(option.accuracy)) in 10 · \(Text.bytes(option.ramBytes)) memory", .plain, choice: i)
            if let replay, let step = replay.current, let guess = predicted(by: option, at: replay.index) {
                var text = "    now: \(replay.roomName(guess)) " + (guess == step.trueRoom ? "✓" : "✗")
                if let share = Self.rightSoFar(option.predictions, replay) { text += " · \(share)% today" }
                add(text, Style(fg: guess == step.trueRoom ? .good : .bad), choice: i)
            }
        }
        return lines
    }

    /// "Right room 9 times in 10, and it fits a 32 KB wristband chip."
    static func sentence(_ choice: WorkbenchState.Presentation.Choice) -> String {
        // A no-break space keeps "32 KB" on one line when the sentence wraps.
        let watch = Text.budget(WorkbenchState.watchRAMBytes).replacingOccurrences(of: " ", with: "\u{00A0}")
        let fits = choice.ramBytes <= WorkbenchState.watchRAMBytes
            ? "and it fits a \(watch) wristband chip."
            : "but it needs \(Text.bytes(choice.ramBytes)) of memory, more than a \(watch) wristband chip has."
        return "Right room \(tenths(choice.accuracy)) times in 10, " + fits
    }

    static func tenths(_ share: Double) -> Int { Int((share * 10).rounded()) }

    /// The room `choice` names at replay step `index`; without a choice (or when its steps do not
    /// match the replay's), the replay's own prediction.
    private func predicted(by choice: WorkbenchState.Presentation.Choice?, at index: Int) -> Int? {
        guard let replay, replay.steps.indices.contains(index) else { return nil }
        guard let choice, choice.predictions.count == replay.steps.count else { return replay.steps[index].predictedRoom }
        return choice.predictions[index]
    }

    /// Percent of the replay's steps up to the current one that `predictions` got right.
    private static func rightSoFar(_ predictions: [Int], _ replay: WorkbenchState.Replay) -> Int? {
        guard predictions.count == replay.steps.count, replay.steps.indices.contains(replay.index) else { return nil }
        let right = (0...replay.index).filter { predictions[$0] == replay.steps[$0].trueRoom }.count
        return Int((Double(right) / Double(replay.index + 1) * 100).rounded())
    }
}
