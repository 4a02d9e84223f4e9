/// Which room the model named for each true room over a whole recording: a count matrix (rows
/// true, columns predicted, numbered as the rows) with each room's share right, or only the
/// shares when the matrix does not fit.
struct ConfusionTable {
    var rooms: [String]
    /// confusion[true][predicted] = steps.
    var confusion: [[Int]]

    static func counting(_ steps: [WorkbenchState.ReplayStep], rooms: Int) -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: rooms), count: rooms)
        for step in steps where counts.indices.contains(step.trueRoom) && counts.indices.contains(step.predictedRoom) {
            counts[step.trueRoom][step.predictedRoom] += 1
        }
        return counts
    }

    private var nameWidth: Int { min(12, rooms.map(\.count).max() ?? 0) + 4 }
    private var cellWidth: Int { max(4, String(confusion.flatMap { $0 }.max() ?? 0).count + 1) }
    /// Columns the whole matrix needs.
    var matrixWidth: Int { nameWidth + cellWidth * rooms.count + 7 }

    func draw(in rect: Rect, painter: Painter) {
        guard rect.height >= 3, !rooms.isEmpty else { return }
        let matrix = matrixWidth <= rect.width
        painter.put(Text.truncate(matrix ? "true room ↓ · named →  (steps of the whole recording)" : "right, whole recording",
                                  to: rect.width), row: rect.row, col: rect.col, style: Style(fg: .muted, bold: true))
        if matrix {
            let header = Text.padRight("", to: nameWidth) + rooms.indices.map { Text.padLeft("\($0 + 1)", to: cellWidth) }.joined()
                + Text.padLeft("right", to: 7)
            painter.put(header, row: rect.row + 1, col: rect.col, style: Style(fg: .muted))
        }
        let top = rect.row + (matrix ? 2 : 1)
        for (i, room) in rooms.enumerated() where top + i < rect.bottom {
            let row = confusion.indices.contains(i) ? confusion[i] : []
            let total = row.reduce(0, +)
            let right = total == 0 ? "—" : "\(Int((Double(row[i]) / Double(total) * 100).rounded()))%"
            let name = Text.padRight(Text.padLeft("\(i + 1)", to: 2) + " " + Text.truncate(room, to: nameWidth - 4), to: nameWidth)
            var col = rect.col
            painter.put(name, row: top + i, col: col, style: .plain)
            col += nameWidth
            if matrix {
                for (j, count) in row.enumerated() {
                    let style = count == 0 ? Style(fg: .muted) : j == i ? Style(fg: .good, bold: true) : Style(fg: .bad)
                    painter.put(Text.padLeft(count == 0 ? "·" : "\(count)", to: cellWidth), row: top + i, col: col, style: style)
                    col += cellWidth
                }
            }
            painter.put(Text.padLeft(right, to: 7), row: top + i, col: col, style: Style(bold: true))
        }
    }
}
