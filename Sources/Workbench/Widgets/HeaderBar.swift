/// The top line: what is being worked on, and the view tabs with the active one lit.
struct HeaderBar {
    var header: WorkbenchState.Header
    var activeTab: Int

    static let tabs = ["Train", "Compress", "Deploy", "Replay", "Compare", "Present"]

    /// The data and its split come last: on a narrow terminal they are the part cut short.
    private var fullTitle: String {
        let facts = ["tinyloc", header.session.isEmpty ? "" : "session \(header.session)",
                     [header.model, header.stage].filter { !$0.isEmpty }.joined(separator: " "), header.dataset]
            .filter { !$0.isEmpty }
        return " " + facts.joined(separator: " · ")
    }

    /// Each tab's number, label and first column on a header `width` wide. When the title would
    /// be cut, the tabs other than the open one shrink to their numbers.
    func tabPlaces(width: Int) -> [(tab: Int, label: String, col: Int)] {
        let named = Self.tabs.enumerated().map { "\($0.offset + 1) \($0.element)" }
        let fullWidth = named.reduce(0) { $0 + $1.count + 1 }
        let labels = fullTitle.count + fullWidth + 1 <= width
            ? named : named.enumerated().map { $0.offset + 1 == activeTab ? $0.element : "\($0.offset + 1)" }
        var col = width - labels.reduce(0) { $0 + $1.count + 1 }
        return labels.enumerated().map { i, label in
            defer { col += label.count + 1 }
            return (i + 1, label, col)
        }
    }

    /// The tab under column `col` of the header, if any.
    func tab(atColumn col: Int, width: Int) -> Int? {
        tabPlaces(width: width).first { col >= $0.col && col < $0.col + $0.label.count }?.tab
    }

    func draw(in row: Rect, painter: Painter) {
        painter.fill(row, style: Style(bg: .muted))
        let places = tabPlaces(width: row.width)
        for place in places {
            let active = place.tab == activeTab
            painter.put(place.label, row: row.row, col: row.col + place.col,
                        style: active ? Style(fg: .focus, bold: true, reverse: true) : Style(bg: .muted))
        }
        let title = Text.truncate(fullTitle, to: max(0, (places.first?.col ?? row.width) - 1))
        painter.put(title, row: row.row, col: row.col, style: Style(bg: .muted, bold: true))
    }
}
