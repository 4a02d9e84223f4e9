/// A key press, already decoded from the terminal's byte sequences.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right
    case tab, backTab, enter, escape
    /// The terminal changed size; the app re-reads `Terminal.size`.
    case resize
    /// SIGINT or SIGTERM arrived (or a scripted screen ran out of keys): leave cleanly.
    case interrupt
    /// A left-button press at a screen cell (where the terminal reports the mouse).
    case click(row: Int, col: Int)
    /// Anything the workbench has no use for.
    case other(Int32)
}
