/// One line: how much of the RAM budget the arena peak uses, e.g. `budget 64 KB ████████░░ 41 KB`.
struct BudgetMeter {
    var budgetBytes: Int
    var usedBytes: Int

    func draw(in rect: Rect, painter: Painter) {
        guard !rect.isEmpty, budgetBytes > 0 else { return }
        let over = usedBytes > budgetBytes
        let label = "budget \(Text.budget(budgetBytes)) "
        let value = " \(Text.bytes(usedBytes))" + (over ? " over by \(Text.bytes(usedBytes - budgetBytes))" : "")
        let width = max(4, min(10, rect.width - label.count - value.count))
        let filled = min(width, Int((Double(usedBytes) / Double(budgetBytes) * Double(width)).rounded()))
        var col = rect.col + max(0, rect.width - label.count - width - value.count)
        painter.put(label, row: rect.row, col: col, style: Style(fg: .muted))
        col += label.count
        painter.put(String(repeating: "█", count: filled), row: rect.row, col: col, style: Style(fg: over ? .bad : .good))
        painter.put(String(repeating: "░", count: width - filled), row: rect.row, col: col + filled, style: Style(fg: .muted))
        painter.put(value, row: rect.row, col: col + width, style: Style(fg: over ? .bad : .text, bold: over))
    }
}
