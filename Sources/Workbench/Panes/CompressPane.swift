/// The Compress view: every op of the integer model with its weights and output precision, its
/// flash and output bytes and its SQNR, the selected op's error histogram beside the table, and
/// the figures of the plan being tried. Draws `WorkbenchState.Compress`; the keys go to the
/// controller, which evaluates in the background.
struct CompressPane {
    var compress: WorkbenchState.Compress

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let inner = Box(title: "Compress · precision per layer", focused: focused).draw(in: rect, painter: painter)
        guard inner.height >= 4 else { return }
        guard !compress.rows.isEmpty else {
            let reason = compress.unavailable ?? "no integer model yet"
            painter.put(Text.truncate(reason, to: inner.width), row: inner.row, col: inner.col, style: Style(fg: .muted))
            return
        }
        let (summaryRow, body, frontRect, keysRow) = parts(inside: inner)
        drawSummary(in: summaryRow, painter: painter)
        if !frontRect.isEmpty { drawFront(in: frontRect, painter: painter) }
        let histogramWidth = Self.histogramWidth(beside: body)
        let table = tableRows(in: body)
        drawTable(in: table, header: Rect(row: body.row, col: body.col, width: table.width, height: 1), painter: painter)
        if histogramWidth > 0, let row = compress.selectedRow {
            let chart = Rect(row: body.row, col: body.right - histogramWidth + 1, width: histogramWidth - 1, height: min(body.height, 12))
            painter.put(Text.truncate("\(row.name) output error", to: chart.width), row: chart.row, col: chart.col, style: Style(fg: .accent))
            HistogramChart(counts: row.histogram.counts, lowerEdge: row.histogram.lowerBound, upperEdge: row.histogram.upperBound, unit: "Δ")
                .draw(in: Rect(row: chart.row + 1, col: chart.col, width: chart.width, height: chart.height - 1), painter: painter)
        }
        // What the engine is doing or last did ("evaluating…", "saved variants/tuned-1.json") at the right of the keys.
        let status = compress.searching && !compress.status.hasPrefix("searching") ? compress.status + " · searching…" : compress.status
        let keys = "↑↓ layer · +/- weights · o output 8/16 · a auto-search · u undo · s save · Esc back"
        let room = max(0, keysRow.width - status.count - 2)
        painter.put(Text.truncate(keys, to: room), row: keysRow.row, col: keysRow.col, style: Style(fg: .muted))
        if !status.isEmpty {
            painter.put(Text.truncate(status, to: keysRow.width), row: keysRow.row, col: max(keysRow.col, keysRow.right - status.count),
                        style: Style(fg: .accent, bold: true))
        }
    }

    /// The automatic search's Pareto front: a row per plan (the chosen one marked) and beside it
    /// validation macro-F1 against flash.
    private func drawFront(in rect: Rect, painter: Painter) {
        let title = "Pareto front of the automatic search under \(compress.frontBudget)"
        painter.put(Text.truncate(title, to: rect.width), row: rect.row + 1, col: rect.col, style: Style(fg: .muted, bold: true))
        let listWidth = min(rect.width, 58)
        let list = Rect(row: rect.row + 2, col: rect.col, width: listWidth, height: rect.height - 2)
        let layers = compress.rows.filter(\.hasWeights).count
        let shown = max(1, list.height)
        let chosen = compress.front.firstIndex(where: \.isChosen) ?? 0
        let first = max(0, min(chosen - shown / 2, compress.front.count - shown))
        for (i, p) in compress.front.enumerated().dropFirst(first).prefix(shown) {
            let text = "flash " + Text.padRight(Text.bytes(p.flashBytes), to: 9) + "RAM " + Text.padRight(Text.bytes(p.arenaBytes), to: 9)
                + "F1 " + Text.fixed(p.validationF1, 3) + "  \(p.int4Layers)/\(layers) int4" + (p.isChosen ? " ◀ chosen" : "")
            painter.put(Text.truncate(text, to: list.width), row: list.row + i - first, col: list.col,
                        style: p.isChosen ? Style(fg: .accent, bold: true) : .plain)
        }
        let chart = Rect(row: rect.row + 2, col: rect.col + listWidth + 2, width: rect.width - listWidth - 2, height: rect.height - 2)
        guard chart.width >= 20 else { return }
        ScatterPlot(points: compress.front.map { .init(x: Double($0.flashBytes), y: $0.validationF1, onFront: true, highlighted: $0.isChosen) },
                    xLabel: { Text.bytes(Int($0.rounded())) }, xCaption: "flash", yCaption: "F1")
            .draw(in: chart, painter: painter)
    }

    /// The summary line, the table (with the histogram beside it), the search's front and the key line.
    private func parts(inside inner: Rect) -> (summary: Rect, body: Rect, front: Rect, keys: Rect) {
        let (summary, rest) = inner.splitTop(1)
        let (upper, keys) = rest.splitBottom(1)
        let frontHeight = compress.front.isEmpty ? 0 : min(max(compress.front.count + 3, 9), max(5, upper.height / 3))
        let (body, front) = upper.splitBottom(frontHeight)
        return (summary, body, front, keys)
    }

    /// The table's rows: below its header line, left of the histogram when there is room for one.
    private func tableRows(in body: Rect) -> Rect {
        Rect(row: body.row + 1, col: body.col, width: body.width - Self.histogramWidth(beside: body), height: body.height - 1)
    }

    private static func histogramWidth(beside body: Rect) -> Int { body.width >= 100 ? 28 : 0 }

    /// The first op shown, so the selected one stays in view.
    private func firstShown(height: Int) -> Int {
        max(0, min(compress.selected - height / 2, compress.rows.count - height))
    }

    /// The op (an index into the rows) drawn at screen row `row` when the view fills `rect`.
    func op(atRow row: Int, in rect: Rect) -> Int? {
        guard !compress.rows.isEmpty else { return nil }
        let table = tableRows(in: parts(inside: rect.inset(by: 1)).body)
        guard row >= table.row, row < table.bottom else { return nil }
        let index = row - table.row + firstShown(height: table.height)
        return index < compress.rows.count ? index : nil
    }

    private func drawSummary(in row: Rect, painter: Painter) {
        var parts: [String] = []
        if let f1 = compress.validationF1 {
            var text = "val macro-F1 \(Text.fixed(f1, 3))"
            if let float = compress.floatValidationF1 { text += " (float \(Text.fixed(float, 3)))" }
            parts.append(text)
        }
        var ram = "RAM \(Text.bytes(compress.arenaBytes))"
        if let budget = compress.budgetBytes { ram += compress.arenaBytes <= budget ? " fits \(Text.budget(budget))" : " OVER \(Text.budget(budget))" }
        parts.append(ram)
        parts.append("flash \(Text.bytes(compress.flashBytes))")
        let islands = compress.rows.filter(\.isFloatIsland).map(\.name)
        parts.append(islands.isEmpty ? "no float islands" : "float: " + islands.joined(separator: ", "))
        painter.put(Text.truncate(parts.joined(separator: " · "), to: row.width), row: row.row, col: row.col, style: Style(fg: .accent, bold: true))
    }

    private func drawTable(in rect: Rect, header: Rect, painter: Painter) {
        let nameWidth = max(10, min(22, rect.width - 66))
        func line(_ name: String, _ type: String, _ weights: String, _ output: String, _ flash: String, _ bytes: String, _ sqnr: String) -> String {
            Text.padRight(Text.truncate(name, to: nameWidth), to: nameWidth) + " " + Text.padRight(Text.truncate(type, to: 15), to: 15) + " "
                + Text.padRight(weights, to: 16) + Text.padRight(output, to: 6) + Text.padRight(flash, to: 9) + Text.padRight(bytes, to: 9) + sqnr
        }
        painter.put(Text.truncate(line("op", "type", "weights", "out", "flash", "out B", "SQNR"), to: header.width), row: header.row,
                    col: header.col, style: Style(fg: .muted))
        guard rect.height > 0 else { return }
        // Keep the selected row in view.
        let first = firstShown(height: rect.height)
        for (i, row) in compress.rows.enumerated().dropFirst(first).prefix(rect.height) {
            let sqnr = row.sqnrDB.map { "\(Text.fixed($0, 1)) dB" } ?? "exact"
            let text = line(row.name, row.type, row.weights.isEmpty ? "—" : row.weights, row.output, Text.bytes(row.flashBytes),
                            Text.bytes(row.outputBytes), sqnr)
            let selected = i == compress.selected
            let style = selected ? Style(fg: .accent, bold: true, reverse: true) : Style(fg: row.isFloatIsland ? .warn : .text)
            painter.put(Text.truncate(text, to: rect.width), row: rect.row + i - first, col: rect.col, style: style)
        }
    }
}
