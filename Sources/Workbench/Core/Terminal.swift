/// The driver seam: everything the workbench needs from a terminal. Rows and columns are
/// zero-based from the top-left; text is drawn one cell per `Character` (the widgets only use
/// single-width glyphs). Implementations may assume they are called from one thread.
public protocol Terminal: AnyObject {
    var size: Size { get }
    var capabilities: Capabilities { get }
    /// Draws `text` from (row, col) onwards; whatever falls outside the screen is dropped.
    func put(_ text: String, row: Int, col: Int, style: Style)
    /// Blanks the whole screen buffer (shown at the next `refresh`).
    func clear()
    /// Shows what was drawn since the last refresh.
    func refresh()
    /// Waits for a key; `timeoutMilliseconds` nil waits for ever. Returns nil on timeout.
    func readKey(timeoutMilliseconds: Int?) -> Key?
}

extension Terminal {
    public func put(_ character: Character, row: Int, col: Int, style: Style) {
        put(String(character), row: row, col: col, style: style)
    }
}
