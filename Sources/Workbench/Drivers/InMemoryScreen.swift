/// A terminal that draws into memory and reads keys from a script: the test double for the
/// whole TUI, and a way to take text captures of the screen.
public final class InMemoryScreen: Terminal {
    public struct Cell: Equatable {
        public var character: Character
        public var style: Style
    }

    public private(set) var size: Size
    public var capabilities: Capabilities
    /// Keys still to be "typed"; once empty, `readKey` reports `.interrupt` so a runaway loop ends.
    public var scriptedKeys: [Key]
    public private(set) var refreshCount = 0
    /// The timeout of every `readKey` call, in order; nil means the app was willing to block.
    public private(set) var requestedTimeouts: [Int?] = []

    private var cells: [[Cell]]
    /// What the last `refresh` showed; `text`/`line` read this, as a user would see it.
    private var shown: [[Cell]]

    public init(width: Int, height: Int, capabilities: Capabilities = .full, keys: [Key] = []) {
        size = Size(width: width, height: height)
        self.capabilities = capabilities
        scriptedKeys = keys
        cells = InMemoryScreen.blank(size)
        shown = cells
    }

    /// Changes the size as a terminal window would; the next key read is `.resize`.
    public func resize(width: Int, height: Int) {
        size = Size(width: width, height: height)
        cells = InMemoryScreen.blank(size)
        scriptedKeys.insert(.resize, at: 0)
    }

    public func put(_ text: String, row: Int, col: Int, style: Style) {
        guard row >= 0, row < size.height else { return }
        var c = col
        for ch in text {
            if c >= size.width { break }
            if c >= 0 { cells[row][c] = Cell(character: ch, style: style) }
            c += 1
        }
    }

    public func clear() { cells = InMemoryScreen.blank(size) }

    public func refresh() {
        shown = cells
        refreshCount += 1
    }

    public func readKey(timeoutMilliseconds: Int?) -> Key? {
        requestedTimeouts.append(timeoutMilliseconds)
        return scriptedKeys.isEmpty ? .interrupt : scriptedKeys.removeFirst()
    }

    /// Row `i` of the shown screen, trailing blanks kept so columns line up.
    public func line(_ i: Int) -> String { String(shown[i].map(\.character)) }

    /// The whole shown screen, one line per row.
    public var text: String { (0..<size.height).map(line).joined(separator: "\n") }

    public func cell(row: Int, col: Int) -> Cell { shown[row][col] }

    private static func blank(_ size: Size) -> [[Cell]] {
        Array(repeating: Array(repeating: Cell(character: " ", style: .plain), count: max(0, size.width)),
              count: max(0, size.height))
    }
}
