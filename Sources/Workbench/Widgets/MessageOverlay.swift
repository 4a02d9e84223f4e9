/// The whole text of a notice, wrapped, in a box over the centre of the screen (key `m`): the
/// footer has one line, and an error naming a file, line and column is longer than that.
struct MessageOverlay {
    var notice: WorkbenchState.Notice

    func draw(in screen: Rect, painter: Painter) {
        let width = min(screen.width - 2, 76)
        let text = Text.wrap(notice.text, to: width - 4)
        let footer = "Esc or m: close"
        let height = min(screen.height - 2, text.count + 4)
        let rect = Rect(row: screen.row + (screen.height - height) / 2, col: screen.col + (screen.width - width) / 2,
                        width: width, height: height)
        painter.fill(rect)
        let inner = Box(title: notice.isError ? "Error" : "Message", focused: true).draw(in: rect, painter: painter)
        let style = Style(fg: notice.isError ? .bad : .warn, bold: true)
        // When the box cannot hold every line, the last row says so rather than cutting silently.
        let room = max(0, inner.height - 2)
        let shown = text.count <= room ? text : Array(text.prefix(max(0, room - 1))) + ["… (\(text.count - room + 1) more lines; enlarge the window)"]
        for (i, line) in shown.enumerated() {
            painter.put(Text.truncate(line, to: inner.width - 2), row: inner.row + i, col: inner.col + 1, style: style)
        }
        if inner.height > 0 {
            painter.put(Text.truncate(footer, to: inner.width - 2), row: inner.row + inner.height - 1, col: inner.col + 1, style: Style(fg: .muted))
        }
    }
}
