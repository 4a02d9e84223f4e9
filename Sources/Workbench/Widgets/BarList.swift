/// A list of labelled horizontal bars scaled to the largest value; the peak row is marked
/// "◀ peak" and the selected row is highlighted. Scrolls to keep the selection visible.
struct BarList {
    struct Row {
        var label: String
        var value: Double
        var valueText: String
        var isPeak: Bool = false
        var selected: Bool = false
    }

    var rows: [Row]

    static let marker = "◀ peak"

    func draw(in rect: Rect, painter: Painter) {
        guard !rect.isEmpty, !rows.isEmpty else { return }
        let labelWidth = min(rows.map(\.label.count).max() ?? 0, max(6, rect.width / 4))
        let valueWidth = rows.map(\.valueText.count).max() ?? 0
        let markerWidth = rows.contains(where: \.isPeak) ? Self.marker.count + 1 : 0
        let barWidth = max(1, rect.width - labelWidth - valueWidth - markerWidth - 2)
        let maxValue = rows.map(\.value).max() ?? 0

        let selectedIndex = rows.firstIndex(where: \.selected) ?? 0
        let first = min(max(0, selectedIndex - rect.height + 1), max(0, rows.count - rect.height))
        for (offset, row) in rows[first...].prefix(rect.height).enumerated() {
            let r = rect.row + offset
            let base = row.selected ? Style(bg: .selection, reverse: painter.terminal.capabilities.colors == .none) : Style.plain
            if row.selected { painter.fill(Rect(row: r, col: rect.col, width: rect.width, height: 1), style: base) }
            painter.put(Text.truncate(row.label, to: labelWidth), row: r, col: rect.col, style: base)
            let bar = Bars.horizontal(maxValue > 0 ? row.value / maxValue : 0, width: barWidth)
            var barStyle = base
            barStyle.fg = row.isPeak ? .peak : .accent
            painter.put(bar, row: r, col: rect.col + labelWidth + 1, style: barStyle)
            let valueCol = rect.col + labelWidth + 1 + barWidth + 1
            painter.put(Text.padLeft(row.valueText, to: valueWidth), row: r, col: valueCol, style: base)
            if row.isPeak {
                var peak = base
                peak.fg = .peak
                peak.bold = true
                painter.put(Self.marker, row: r, col: valueCol + valueWidth + 1, style: peak)
            }
        }
    }
}
