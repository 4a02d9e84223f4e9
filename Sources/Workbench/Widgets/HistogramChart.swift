import Foundation

/// Vertical bars of block glyphs (▁▂▃▄▅▆▇█) for binned counts, with the range's edges and zero
/// labelled underneath in units of `unit` (e.g. "Δ").
struct HistogramChart {
    var counts: [Int]
    var lowerEdge: Double
    var upperEdge: Double
    var unit: String = ""
    var role: ColorRole = .accent

    private static let eighths: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    func draw(in rect: Rect, painter: Painter) {
        guard rect.height >= 2, rect.width >= 3, !counts.isEmpty else { return }
        let (bars, axis) = rect.splitBottom(1)
        let columns = columnCounts(width: bars.width)
        let peak = max(1, columns.max() ?? 1)
        let plotWidth = columns.count
        for (c, count) in columns.enumerated() where count > 0 {
            // A non-empty bin always shows at least one eighth: "rare" must not look like "never".
            let level = max(1, Int((Double(count) / Double(peak) * Double(bars.height * 8)).rounded()))
            for r in 0..<bars.height {
                let fill = min(8, level - r * 8)
                guard fill > 0 else { break }
                painter.put(Self.eighths[fill - 1], row: bars.bottom - 1 - r, col: bars.col + c, style: Style(fg: role))
            }
        }
        drawAxis(row: axis.row, col: axis.col, width: plotWidth, painter: painter)
    }

    /// The counts resampled to at most `width` columns: bins are merged when there are too many
    /// and widened (repeated) when there are few, so the shape keeps its proportions.
    func columnCounts(width: Int) -> [Int] {
        let n = counts.count
        if n <= width {
            let per = width / n
            return counts.flatMap { Array(repeating: $0, count: per) }
        }
        return (0..<width).map { c in counts[(c * n / width)..<((c + 1) * n / width)].reduce(0, +) }
    }

    private func drawAxis(row: Int, col: Int, width: Int, painter: Painter) {
        let style = Style(fg: .muted)
        let low = label(lowerEdge), high = label(upperEdge)
        painter.put(low, row: row, col: col, style: style)
        if width > low.count + high.count + 1 {
            painter.put(high, row: row, col: col + width - high.count, style: style)
        }
        let span = upperEdge - lowerEdge
        guard span > 0, lowerEdge < 0, upperEdge > 0 else { return }
        let zeroCol = col + Int((-lowerEdge / span * Double(width)).rounded(.down))
        if zeroCol > col + low.count, zeroCol < col + width - high.count - 1 {
            painter.put("0", row: row, col: zeroCol, style: style)
        }
    }

    private func label(_ x: Double) -> String {
        let magnitude = x.rounded() == x ? String(Int(abs(x))) : String(format: "%.1f", abs(x))
        let sign = x < 0 ? "−" : x > 0 ? "+" : ""
        return sign + magnitude + (x == 0 ? "" : unit)
    }
}
