/// A frame with a title in its top edge; a focused box is drawn in the focus colour.
struct Box {
    var title: String
    var focused: Bool = false

    /// Draws the frame and returns the rectangle inside it.
    @discardableResult
    func draw(in rect: Rect, painter: Painter) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(row: rect.row, col: rect.col, width: 0, height: 0) }
        let style = focused ? Style(fg: .focus, bold: true) : Style(fg: .frame)
        let horizontal = String(repeating: "─", count: rect.width - 2)
        painter.put("┌" + horizontal + "┐", row: rect.row, col: rect.col, style: style)
        for r in rect.row + 1..<rect.bottom - 1 {
            painter.put("│", row: r, col: rect.col, style: style)
            painter.put("│", row: r, col: rect.right - 1, style: style)
        }
        painter.put("└" + horizontal + "┘", row: rect.bottom - 1, col: rect.col, style: style)
        if !title.isEmpty, rect.width > 6 {
            let shown = " " + Text.truncate(title, to: rect.width - 6) + " "
            painter.put(shown, row: rect.row, col: rect.col + 2, style: focused ? Style(fg: .focus, bold: true) : Style(bold: true))
        }
        return rect.inset(by: 1)
    }
}
