import Foundation

/// A scatter plot in plain text, for terminals and docs alike: macro-F1 up (its range labelled),
/// bytes across (`xBytes` at each end, placed on a log scale when `logarithmic`), one mark per
/// point. Where two marks fall in one cell, `overlap` replaces them when given; otherwise the later
/// point is drawn over the earlier (callers list what must stay visible last).
func textScatter(_ points: [(bytes: Int, score: Double, mark: Character)], logarithmic: Bool, overlap: Character? = nil,
                 width: Int, height: Int, caption: String) -> String {
    guard !points.isEmpty else { return "" }
    let xs = points.map { logarithmic ? log2(Double(max(1, $0.bytes))) : Double($0.bytes) }
    let (lowX, highX) = (xs.min()!, xs.max()!)
    let (lowY, highY) = (points.map(\.score).min()!, points.map(\.score).max()!)
    var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
    for (x, point) in zip(xs, points) {
        let across = highX == lowX ? 0.5 : (x - lowX) / (highX - lowX)
        let up = highY == lowY ? 0.5 : (point.score - lowY) / (highY - lowY)
        let row = height - 1 - Int((up * Double(height - 1)).rounded()), column = Int((across * Double(width - 1)).rounded())
        let held = grid[row][column]
        grid[row][column] = held == " " || held == point.mark ? point.mark : (overlap ?? point.mark)
    }
    var lines = grid.enumerated().map { index, row -> String in
        let label = index == 0 ? String(format: "%.3f", highY) : index == height - 1 ? String(format: "%.3f", lowY) : ""
        return label.padding(toLength: 6, withPad: " ", startingAt: 0) + "│" + String(row)
    }
    lines.append("      └" + String(repeating: "─", count: width))
    let ends = [lowX, highX].map { formatBytes(Int((logarithmic ? exp2($0) : $0).rounded())) }
    lines.append("       " + ends[0] + String(repeating: " ", count: max(1, width - ends[0].count - ends[1].count)) + ends[1])
    lines.append("       " + caption)
    return lines.joined(separator: "\n")
}
