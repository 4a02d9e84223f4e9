/// A braille scatter of points (x bytes, y macro-F1), the Pareto front joined by a line so it
/// reads as a front without colour; the ranges are labelled on both axes.
struct ScatterPlot {
    struct Point: Equatable {
        var x: Double
        var y: Double
        var onFront: Bool
        /// Drawn in the accent colour (the chosen plan, the selected row).
        var highlighted = false
    }

    var points: [Point]
    /// Formats an x value for the axis labels (bytes, say).
    var xLabel: (Double) -> String
    var xCaption: String
    var yCaption: String

    static let labelWidth = 5

    func draw(in rect: Rect, painter: Painter) {
        guard rect.height >= 3, rect.width > Self.labelWidth + 6, !points.isEmpty else { return }
        let (plotRows, axisRow) = rect.splitBottom(1)
        let (_, plot) = plotRows.splitLeft(Self.labelWidth + 1)
        let xs = points.map(\.x), ys = points.map(\.y)
        let xRange = Self.padded(xs.min()!, xs.max()!)
        let yRange = Self.padded(ys.min()!, ys.max()!)
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        func dot(_ p: Point) -> (x: Int, y: Int) {
            (Int(((p.x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(canvas.dotWidth - 1)).rounded()),
             Int(((yRange.upperBound - p.y) / (yRange.upperBound - yRange.lowerBound) * Double(canvas.dotHeight - 1)).rounded()))
        }
        // Series 0: the front's line; 1: points off the front; 2: highlighted points (drawn last, so they win their cell).
        var phase = 0
        let front = points.filter(\.onFront).sorted { $0.x < $1.x }
        for (a, b) in zip(front, front.dropFirst()) { canvas.line(from: dot(a), to: dot(b), series: 0, dash: 1, phase: &phase) }
        for p in points where !p.highlighted {
            let d = dot(p)
            // A 2×2 block of dots, so a single point is visible in its cell.
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { canvas.set(x: d.x + dx, y: d.y + dy, series: p.onFront ? 0 : 1) }
        }
        for p in points where p.highlighted {
            let d = dot(p)
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { canvas.set(x: d.x + dx, y: d.y + dy, series: 2) }
        }
        let roles: [ColorRole] = [.good, .muted, .accent]
        for r in 0..<plot.height {
            for c in 0..<plot.width {
                guard let ch = canvas.character(row: r, column: c) else { continue }
                painter.put(ch, row: plot.row + r, col: plot.col + c, style: Style(fg: roles[canvas.series(row: r, column: c) ?? 1]))
            }
        }
        let axis = Style(fg: .frame), label = Style(fg: .muted)
        for r in plot.row..<plot.bottom { painter.put(r == plot.row ? "┤" : "│", row: r, col: plot.col - 1, style: axis) }
        painter.put(Text.padLeft(Text.fixed(yRange.upperBound, 3), to: Self.labelWidth), row: plot.row, col: rect.col, style: label)
        painter.put(Text.padLeft(Text.fixed(yRange.lowerBound, 3), to: Self.labelWidth), row: axisRow.row, col: rect.col, style: label)
        painter.put("┼" + String(repeating: "─", count: plot.width), row: axisRow.row, col: plot.col - 1, style: axis)
        if plot.height >= 2 { painter.put(Text.truncate(yCaption, to: Self.labelWidth), row: plot.row + 1, col: rect.col, style: label) }
        let low = xLabel(xRange.lowerBound), high = xLabel(xRange.upperBound)
        let caption = " \(low) · \(xCaption) · \(high) "
        if plot.width >= caption.count {
            painter.put(caption, row: axisRow.row, col: plot.right - caption.count, style: label)
        }
    }

    /// The data's range with a little room each side, so edge points are not drawn on the axes;
    /// a single value gets a range around it.
    static func padded(_ low: Double, _ high: Double) -> ClosedRange<Double> {
        let span = high - low
        guard span > 0 else { return (low - max(abs(low) * 0.05, 0.01))...(high + max(abs(high) * 0.05, 0.01)) }
        return (low - span * 0.05)...(high + span * 0.05)
    }
}

/// The points no other point beats: one is dominated when another has at most its cost and at
/// least its score, and is strictly better in one of them.
func paretoFront(costs: [Double], scores: [Double]) -> [Bool] {
    zip(costs, scores).map { cost, score in
        !zip(costs, scores).contains { c, s in c <= cost && s >= score && (c < cost || s > score) }
    }
}
