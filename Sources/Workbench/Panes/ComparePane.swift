/// Float against int8 in plain words, from the figures the engine has measured (anything not
/// measured yet is shown as "—", never guessed); which receivers each recording heard; and every
/// saved variant of every session, in the order the user chose, with test macro-F1 against RAM
/// and the Pareto front.
struct ComparePane {
    var state: WorkbenchState
    var order = VariantOrder.testF1
    /// Index into the variants in `order`.
    var selected = 0

    static let keys = "↑↓ variant · s sort · Enter open its session · Esc back"

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let box = Box(title: "Compare · float vs int8 · saved variants", focused: focused).draw(in: rect, painter: painter)
        guard box.height >= 3 else { return }
        let (inner, keysRow) = box.splitBottom(state.variants.isEmpty ? 0 : 1)
        let q = state.quantization
        let m = state.memory
        let change = zip2(q.floatF1, q.int8F1).map { $1 - $0 }
        let rows: [(String, String, String)] = [
            ("", "float", "int8"),
            ("test macro-F1", figure(q.floatF1), figure(q.int8F1)),
            ("change from float", "", change.map { ($0 < 0 ? "−" : "+") + Text.fixed(abs($0), 3) } ?? "—"),
            ("RAM peak (\(m.precision.isEmpty ? "current plan" : m.precision))", "—", m.layers.isEmpty ? "—" : Text.bytes(m.arenaPeakBytes)),
        ]
        let labelWidth = 28, columnWidth = 12
        for (i, row) in rows.enumerated() where i < inner.height {
            let style = i == 0 ? Style(fg: .muted, bold: true) : Style.plain
            painter.put(Text.padRight(row.0, to: labelWidth) + Text.padLeft(row.1, to: columnWidth) + Text.padLeft(row.2, to: columnWidth),
                        row: inner.row + i, col: inner.col + 1, style: style)
        }
        if let sentence = verdict(change: change), inner.height > rows.count + 1 {
            painter.put(Text.truncate(sentence, to: inner.width - 2), row: inner.row + rows.count + 1, col: inner.col + 1, style: Style(fg: .accent))
        }
        let (coverage, variants) = sections(inside: box)
        drawCoverage(in: coverage, painter: painter)
        drawVariants(in: variants, painter: painter)
        if !keysRow.isEmpty {
            let text = Self.keys + " (now " + order.words + ")"
            painter.put(Text.truncate(text, to: keysRow.width - 1), row: keysRow.row, col: keysRow.col + 1, style: Style(fg: .muted))
        }
    }

    static let scatterHeight = 8
    /// The float / int8 rows, the verdict and the blank lines around it.
    static let summaryHeight = 7

    /// Where the coverage table and the variants go inside the view's frame. The variants come
    /// first when space is short: they are what this view is opened for.
    private func sections(inside box: Rect) -> (coverage: Rect, variants: Rect) {
        let inner = box.splitBottom(state.variants.isEmpty ? 0 : 1).0
        let top = inner.row + Self.summaryHeight
        let available = max(0, inner.bottom - top)
        let coverageWanted = state.coverage.rows.isEmpty ? 0 : state.coverage.rows.count + 3
        let variantsWanted = state.variants.isEmpty ? 0 : state.variants.count + 2 + Self.scatterHeight
        let variantsHeight = coverageWanted + variantsWanted <= available
            ? variantsWanted : min(variantsWanted, max(available - coverageWanted, min(available, 10)))
        let coverageHeight = min(coverageWanted, available - variantsHeight)
        let variantsTop = coverageHeight >= 3 ? top + coverageHeight : top
        return (Rect(row: top, col: inner.col, width: inner.width, height: coverageHeight),
                Rect(row: variantsTop, col: inner.col, width: inner.width, height: min(variantsHeight, inner.bottom - variantsTop)))
    }

    /// The variants section cut into the table (title, header, rows) and the scatter below it.
    /// The table keeps at least four rows; the scatter only takes what is left beyond that.
    private func tableAndChart(in rect: Rect) -> (table: Rect, chart: Rect) {
        rect.splitBottom(rect.height >= min(state.variants.count, 4) + 2 + Self.scatterHeight ? Self.scatterHeight : 0)
    }

    /// The first row shown, so the selected one stays in view.
    private func firstShown(visible: Int) -> Int {
        let selected = min(max(selected, 0), state.variants.count - 1)
        return max(0, min(selected - visible / 2, state.variants.count - visible))
    }

    /// The variant (an index into the sorted rows) drawn at screen row `row` when the view fills `rect`.
    func variant(atRow row: Int, in rect: Rect) -> Int? {
        let variants = sections(inside: rect.inset(by: 1)).variants
        guard variants.height >= 3, !state.variants.isEmpty else { return nil }
        let table = tableAndChart(in: variants).table
        let visible = max(0, table.height - 2)
        guard row >= table.row + 2, row < table.row + 2 + visible else { return nil }
        let index = row - table.row - 2 + firstShown(visible: visible)
        return index < state.variants.count ? index : nil
    }

    /// The table in the chosen order (the selected row kept in view; ● marks the front of test
    /// macro-F1 against RAM) and, when there is room, the scatter of the two.
    private func drawVariants(in rect: Rect, painter: Painter) {
        guard rect.height >= 3, !state.variants.isEmpty else { return }
        let rows = order.sorted(state.variants)
        let front = paretoFront(costs: rows.map { Double($0.arenaBytes) }, scores: rows.map(\.testF1))
        let (tableRect, chartRect) = tableAndChart(in: rect)
        painter.put(Text.truncate("saved variants of every session, \(order.words) · ● on the front of test macro-F1 against RAM",
                                  to: tableRect.width - 2), row: tableRect.row, col: tableRect.col + 1, style: Style(fg: .muted, bold: true))
        // Narrow screens fold the session into the variant's name and drop the model column.
        let wide = tableRect.width >= 118
        func line(_ mark: String, _ v: (session: String, model: String, name: String), _ numbers: [String]) -> String {
            let lead = wide
                ? Text.padRight(Text.truncate(v.session, to: 18), to: 19) + Text.padRight(Text.truncate(v.model, to: 12), to: 13)
                    + Text.padRight(Text.truncate(v.name, to: 14), to: 15)
                : Text.padRight(Text.truncate(v.session.isEmpty ? v.name : "\(v.session)/\(v.name)", to: 22), to: 23)
            let precision = wide ? 30 : 12, bytes = wide ? 10 : 9
            return mark + " " + lead + Text.padRight(Text.truncate(numbers[0], to: precision), to: precision + 1) + Text.padLeft(numbers[1], to: 7)
                + Text.padLeft(numbers[2], to: 8) + Text.padLeft(numbers[3], to: bytes) + Text.padLeft(numbers[4], to: bytes)
        }
        let header = line(" ", wide ? ("session", "model", "variant") : ("", "", "session/variant"), ["precision", "val F1", "test F1", "RAM", "flash"])
        painter.put(Text.truncate(header, to: tableRect.width - 2), row: tableRect.row + 1, col: tableRect.col + 1, style: Style(fg: .muted))
        let visible = max(0, tableRect.height - 2)
        let selected = min(max(selected, 0), rows.count - 1)
        let first = firstShown(visible: visible)
        for (i, v) in rows.enumerated().dropFirst(first).prefix(visible) {
            let text = line(front[i] ? "●" : " ", (v.session, v.model, v.name),
                            [v.precision, Text.fixed(v.validationF1, 3), Text.fixed(v.testF1, 3), Text.bytes(v.arenaBytes), Text.bytes(v.flashBytes)])
            let style = i == selected ? Style(fg: .accent, bold: true, reverse: true)
                : Style(fg: front[i] ? .good : .text, bold: v.session == state.header.session)
            painter.put(Text.padRight(Text.truncate(text, to: tableRect.width - 2), to: tableRect.width - 2),
                        row: tableRect.row + 2 + i - first, col: tableRect.col + 1, style: style)
        }
        guard !chartRect.isEmpty else { return }
        let points = rows.enumerated().map { i, v in
            ScatterPlot.Point(x: Double(v.arenaBytes), y: v.testF1, onFront: front[i], highlighted: i == selected)
        }
        ScatterPlot(points: points, xLabel: { Text.bytes(Int($0.rounded())) }, xCaption: "RAM", yCaption: "F1")
            .draw(in: Rect(row: chartRect.row, col: chartRect.col + 1, width: min(chartRect.width - 2, 72), height: chartRect.height),
                  painter: painter)
    }

    /// Which receivers each recording heard: a receiver silent in the test recording explains a
    /// score that the validation curve did not predict.
    private func drawCoverage(in rect: Rect, painter: Painter) {
        let coverage = state.coverage
        guard rect.height >= 3, !coverage.receivers.isEmpty, !coverage.rows.isEmpty else { return }
        let nameWidth = max(10, (coverage.rows.map(\.recording.count).max() ?? 0) + 1)
        let roleWidth = 11
        let columnWidth = max(8, (coverage.receivers.map(\.count).max() ?? 0) + 2)
        painter.put(Text.truncate("receiver coverage: share of packets heard", to: rect.width - 2),
                    row: rect.row, col: rect.col + 1, style: Style(fg: .muted, bold: true))
        let header = Text.padRight("recording", to: nameWidth) + Text.padRight("role", to: roleWidth)
            + coverage.receivers.map { Text.padLeft($0, to: columnWidth) }.joined()
        painter.put(Text.truncate(header, to: rect.width - 2), row: rect.row + 1, col: rect.col + 1, style: Style(fg: .muted))
        for (i, row) in coverage.rows.enumerated() where i + 2 < rect.height {
            var col = rect.col + 1
            let lead = Text.padRight(row.recording, to: nameWidth) + Text.padRight(row.role, to: roleWidth)
            painter.put(Text.truncate(lead, to: rect.width - 2), row: rect.row + 2 + i, col: col,
                        style: row.role == "test" ? Style(bold: true) : .plain)
            col += lead.count
            for rate in row.heardRates where col + columnWidth <= rect.col + rect.width - 1 {
                let cell = rate == 0 ? "silent" : "\(Int((rate * 100).rounded()))%"
                painter.put(Text.padLeft(cell, to: columnWidth), row: rect.row + 2 + i, col: col,
                            style: rate == 0 ? Style(fg: .warn, bold: true) : .plain)
                col += columnWidth
            }
        }
    }

    private func figure(_ x: Double?) -> String { x.map { Text.fixed($0, 3) } ?? "—" }

    private func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    /// The trade-off as a clinician would want it said.
    private func verdict(change: Double?) -> String? {
        var parts: [String] = []
        if let budget = state.memory.budgetBytes, !state.memory.layers.isEmpty {
            parts.append(state.memory.arenaPeakBytes <= budget
                ? "fits the \(Text.budget(budget)) chip" : "does not fit the \(Text.budget(budget)) chip")
        }
        if let accuracy = state.quantization.deployedAccuracy {
            let tenths = Int((accuracy * 10).rounded())
            parts.append("right room \(tenths) times in 10")
        }
        if let change {
            parts.append(abs(change) < 0.005 ? "int8 scores the same as float" : "int8 is \(Text.fixed(abs(change), 3)) macro-F1 \(change < 0 ? "worse" : "better") than float")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
