/// A braille line chart: several series over a shared x axis (epochs), y labels on the left,
/// a caption on the x axis. Dashed series leave gaps, so series differ without colour too.
struct LineChart {
    struct Series {
        var name: String
        /// One value per x slot; non-finite values leave a gap.
        var values: [Double]
        var role: ColorRole
        var dashed: Bool = false
    }

    var series: [Series]
    /// Number of x slots the axis spans (e.g. max epochs), so a curve grows across the chart.
    var xSlots: Int
    /// Fixed y range; nil fits the data (from 0, or below 0 if the data goes there).
    var yRange: ClosedRange<Double>? = nil
    var caption: String = ""

    static let labelWidth = 4

    func draw(in rect: Rect, painter: Painter) {
        guard rect.height >= 2, rect.width > Self.labelWidth + 2 else { return }
        let (plotRows, axisRow) = rect.splitBottom(1)
        let (_, plot) = plotRows.splitLeft(Self.labelWidth + 1)
        let range = yRange ?? fittedRange()
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        for (i, s) in series.enumerated() { self.plot(s, index: i, range: range, on: &canvas) }

        for r in 0..<plot.height {
            for c in 0..<plot.width {
                guard let ch = canvas.character(row: r, column: c) else { continue }
                let role = canvas.series(row: r, column: c).map { series[$0].role } ?? .text
                painter.put(ch, row: plot.row + r, col: plot.col + c, style: Style(fg: role))
            }
        }
        drawAxes(plot: plot, axisRow: axisRow.row, range: range, painter: painter)
        drawLegend(plot: plot, painter: painter)
    }

    private func plot(_ s: Series, index: Int, range: ClosedRange<Double>, on canvas: inout BrailleCanvas) {
        let span = range.upperBound - range.lowerBound
        let slots = max(xSlots, s.values.count)
        var previous: (x: Int, y: Int)?
        var phase = 0
        for (i, v) in s.values.enumerated() {
            guard v.isFinite else { previous = nil; continue }
            let x = slots > 1 ? Int((Double(i) * Double(canvas.dotWidth - 1) / Double(slots - 1)).rounded()) : 0
            let clamped = min(max(v, range.lowerBound), range.upperBound)
            let y = Int(((range.upperBound - clamped) / span * Double(canvas.dotHeight - 1)).rounded())
            canvas.line(from: previous ?? (x, y), to: (x, y), series: index, dash: s.dashed ? 2 : 0, phase: &phase)
            previous = (x, y)
        }
    }

    private func fittedRange() -> ClosedRange<Double> {
        let finite = series.flatMap(\.values).filter(\.isFinite)
        let low = min(0, finite.min() ?? 0)
        let high = finite.max() ?? 1
        return high > low ? low...high : low...(low + 1)
    }

    private func drawAxes(plot: Rect, axisRow: Int, range: ClosedRange<Double>, painter: Painter) {
        let axis = Style(fg: .frame)
        let labelCol = plot.col - Self.labelWidth - 1
        let middle = plot.row + (plot.height - 1) / 2
        for r in plot.row..<plot.bottom {
            let labelled = r == plot.row || (r == middle && plot.height >= 5)
            if labelled {
                let value = r == plot.row ? range.upperBound : (range.upperBound + range.lowerBound) / 2
                painter.put(Text.padLeft(Text.axis(value, width: Self.labelWidth), to: Self.labelWidth), row: r, col: labelCol, style: Style(fg: .muted))
            }
            painter.put(labelled ? "┤" : "│", row: r, col: plot.col - 1, style: axis)
        }
        painter.put(Text.padLeft(Text.axis(range.lowerBound, width: Self.labelWidth), to: Self.labelWidth), row: axisRow, col: labelCol, style: Style(fg: .muted))
        painter.put("┼" + String(repeating: "─", count: plot.width), row: axisRow, col: plot.col - 1, style: axis)
        if !caption.isEmpty, plot.width > caption.count + 2 {
            painter.put(" " + caption + " ", row: axisRow, col: plot.right - caption.count - 2, style: Style(fg: .muted))
        }
    }

    private func drawLegend(plot: Rect, painter: Painter) {
        let entries = series.map { ($0.name, $0.dashed ? "┄" : "─", $0.role) }
        // " train ─ val ┄": each entry is its name, a space, its line glyph and a space.
        let width = 1 + entries.reduce(0) { $0 + $1.0.count + 3 }
        guard plot.width >= width + 8, plot.height >= 2 else { return }
        var col = plot.right - width
        painter.put(" ", row: plot.row, col: col)
        col += 1
        for (name, glyph, role) in entries {
            painter.put(name + " ", row: plot.row, col: col, style: Style(fg: .muted))
            col += name.count + 1
            painter.put(glyph + " ", row: plot.row, col: col, style: Style(fg: role, bold: true))
            col += 2
        }
    }
}
