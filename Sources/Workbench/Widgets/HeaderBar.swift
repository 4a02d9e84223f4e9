/// The top line: what is being worked on, and the view tabs with the active one lit.
struct HeaderBar {
    var header: WorkbenchState.Header
    var activeTab: Int

    static let tabs = ["Train", "Compress", "Deploy", "Replay", "Compare", "Present"]

    func draw(in row: Rect, painter: Painter) {
        painter.fill(row, style: Style(bg: .muted))
        // The data and its split come last: on a narrow terminal they are the part cut short.
        let facts = ["tinyloc", header.session.isEmpty ? "" : "session \(header.session)",
                     [header.model, header.stage].filter { !$0.isEmpty }.joined(separator: " "), header.dataset]
            .filter { !$0.isEmpty }
        let fullTitle = " " + facts.joined(separator: " · ")
        // When the title would be cut, the tabs other than the open one shrink to their numbers.
        let named = Self.tabs.enumerated().map { "\($0.offset + 1) \($0.element)" }
        let fullWidth = named.reduce(0) { $0 + $1.count + 1 }
        let tabs = fullTitle.count + fullWidth + 1 <= row.width
            ? named : named.enumerated().map { $0.offset + 1 == activeTab ? $0.element : "\($0.offset + 1)" }
        let tabsWidth = tabs.reduce(0) { $0 + $1.count + 1 }
        var col = row.right - tabsWidth
        for (i, tab) in tabs.enumerated() {
            let active = i + 1 == activeTab
            painter.put(tab, row: row.row, col: col, style: active ? Style(fg: .focus, bold: true, reverse: true) : Style(bg: .muted))
            col += tab.count + 1
        }
        let title = Text.truncate(fullTitle, to: max(0, row.width - tabsWidth - 1))
        painter.put(title, row: row.row, col: row.col, style: Style(bg: .muted, bold: true))
    }
}
