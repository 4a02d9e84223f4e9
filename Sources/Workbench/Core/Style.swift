/// What a piece of text *means*; the palette turns it into a colour, or into bold/reverse when
/// the terminal has no colours, so widgets never name colours themselves.
public enum ColorRole: Sendable, Hashable, CaseIterable {
    case text, muted, accent, frame, focus, train, val, good, bad, warn, peak, trueRoom, predRoom, selection
}

/// How a run of text is drawn. `bg` nil keeps the terminal's own background.
public struct Style: Hashable, Sendable {
    public var fg: ColorRole
    public var bg: ColorRole?
    public var bold: Bool
    public var reverse: Bool
    public var dim: Bool

    public init(fg: ColorRole = .text, bg: ColorRole? = nil, bold: Bool = false, reverse: Bool = false, dim: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
    }

    public static let plain = Style()
}
