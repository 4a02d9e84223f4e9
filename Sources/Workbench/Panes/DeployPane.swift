/// The Deploy view: whether the model fits each chip, in plain words and per MCU profile; the
/// planned arena as a timeline (ops along x, live bytes up, the peak marked); `e` exports C.
struct DeployPane {
    var memory: WorkbenchState.Memory

    private static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let precision = memory.precision.isEmpty ? "" : " (\(memory.precision))"
        let inner = Box(title: "Deploy" + precision, focused: focused).draw(in: rect, painter: painter)
        guard inner.height >= 6 else { return }
        guard !memory.timeline.isEmpty else {
            let reason = memory.unavailable ?? "no memory plan yet"
            painter.put(Text.truncate(reason, to: inner.width), row: inner.row, col: inner.col, style: Style(fg: .muted))
            return
        }
        var row = inner.row
        var needs = "needs \(Text.bytes(memory.arenaPeakBytes)) of RAM and \(Text.bytes(memory.flashBytes)) of flash"
        if let streaming = memory.streamingArenaBytes { needs += " (\(Text.bytes(streaming)) of RAM running one step at a time)" }
        let fitting = memory.chips.filter(\.fits).map(\.name)
        let verdict = fitting.isEmpty ? "Fits none of the chips below: it \(needs)."
            : "Fits \(fitting.joined(separator: ", ")): it \(needs)."
        painter.put(Text.truncate(verdict, to: inner.width), row: row, col: inner.col, style: Style(fg: fitting.isEmpty ? .bad : .good, bold: true))
        row += 2
        for chip in memory.chips where row < inner.bottom - 6 {
            let ram = "RAM \(Text.bytes(memory.arenaPeakBytes)) / \(Text.budget(chip.ramBytes))"
            let flash = "flash \(Text.bytes(memory.flashBytes)) / \(Text.budget(chip.flashBytes))"
            let text = Text.padRight(chip.name, to: 11) + Text.padRight(chip.core, to: 12) + Text.padRight(ram, to: 24)
                + Text.padRight(flash, to: 26) + Text.padRight(chip.fits ? "fits" : "does not fit", to: 14) + chip.latency + " per window (estimate)"
            painter.put(Text.truncate(text, to: inner.width), row: row, col: inner.col, style: Style(fg: chip.fits ? .text : .warn))
            row += 1
        }
        row += 1
        let chart = Rect(row: row, col: inner.col, width: inner.width, height: inner.bottom - row - 2)
        drawTimeline(in: chart, painter: painter)
        var keys = "e export C · Esc back"
        if let status = memory.exportStatus { keys += " · " + status }
        painter.put(Text.truncate(keys, to: inner.width), row: inner.bottom - 1, col: inner.col, style: Style(fg: .muted))
    }

    /// One column per op (ops merged by their maximum when there are more ops than columns), bar
    /// height in eighths of a row, the peak op's column in the peak colour with its name below.
    private func drawTimeline(in rect: Rect, painter: Painter) {
        guard rect.height >= 3 else { return }
        let ops = memory.timeline
        let top = max(ops.map(\.bytes).max() ?? 1, 1)
        let axisWidth = 9
        let room = max(1, rect.width - axisWidth - 1)
        let columns = min(ops.count, room)
        // Fewer ops than columns: each op gets a band of columns (a gap between bands when they are wide).
        let band = max(1, room / columns), gap = band >= 3 ? 1 : 0
        let barRows = rect.height - 2
        painter.put("RAM live at each op (\(ops.count) ops, state included)", row: rect.row, col: rect.col, style: Style(fg: .accent))
        for c in 0..<columns {
            let range = (c * ops.count / columns)..<max((c + 1) * ops.count / columns, c * ops.count / columns + 1)
            let bytes = ops[range].map(\.bytes).max() ?? 0
            let peak = ops[range].contains(where: \.isPeak)
            let eighths = Int((Double(bytes) / Double(top) * Double(barRows * 8)).rounded())
            for r in 0..<barRows {
                let filled = eighths - r * 8
                guard filled > 0 else { break }
                let glyph = filled >= 8 ? Self.blocks[7] : Self.blocks[filled - 1]
                painter.put(String(repeating: glyph, count: band - gap), row: rect.row + barRows - r,
                            col: rect.col + axisWidth + c * band, style: Style(fg: peak ? .peak : .accent))
            }
        }
        painter.put(Text.padLeft(Text.bytes(top), to: axisWidth - 1), row: rect.row + 1, col: rect.col, style: Style(fg: .muted))
        painter.put(Text.padLeft("0", to: axisWidth - 1), row: rect.row + barRows, col: rect.col, style: Style(fg: .muted))
        if let peak = ops.first(where: \.isPeak) {
            let label = "▲ peak \(Text.bytes(peak.bytes)) at \(peak.name) · first op \(ops[0].name) · last \(ops[ops.count - 1].name)"
            painter.put(Text.truncate(label, to: rect.width - axisWidth), row: rect.row + barRows + 1, col: rect.col + axisWidth,
                        style: Style(fg: .peak))
        }
    }
}
