/// What a widget draws with: a terminal, a clip rectangle, and the ASCII fallback applied in
/// one place so no widget can leak a glyph the terminal cannot show.
public struct Painter {
    public let terminal: Terminal
    public let clip: Rect

    public init(terminal: Terminal, clip: Rect? = nil) {
        self.terminal = terminal
        let screen = Rect(row: 0, col: 0, width: terminal.size.width, height: terminal.size.height)
        self.clip = clip.map { $0.intersection(screen) } ?? screen
    }

    public var unicode: Bool { terminal.capabilities.unicode }

    public func clipped(to rect: Rect) -> Painter {
        Painter(terminal: terminal, clip: clip.intersection(rect))
    }

    public func put(_ text: String, row: Int, col: Int, style: Style = .plain) {
        guard row >= clip.row, row < clip.bottom, !text.isEmpty else { return }
        var chars = Array(text)
        var start = col
        if start < clip.col {
            chars.removeFirst(min(chars.count, clip.col - start))
            start = clip.col
        }
        let room = clip.right - start
        guard room > 0, !chars.isEmpty else { return }
        if chars.count > room { chars.removeLast(chars.count - room) }
        let shown = unicode ? String(chars) : ASCIIFallback.string(String(chars))
        terminal.put(shown, row: row, col: start, style: style)
    }

    public func put(_ character: Character, row: Int, col: Int, style: Style = .plain) {
        put(String(character), row: row, col: col, style: style)
    }

    public func fill(_ rect: Rect, with character: Character = " ", style: Style = .plain) {
        let line = String(repeating: character, count: rect.width)
        for r in rect.row..<rect.bottom { put(line, row: r, col: rect.col, style: style) }
    }

    /// Draws `text` centred on a row of `rect`, truncated to fit.
    public func centred(_ text: String, row: Int, in rect: Rect, style: Style = .plain) {
        let t = Text.truncate(text, to: rect.width)
        put(t, row: row, col: rect.col + (rect.width - t.count) / 2, style: style)
    }
}
