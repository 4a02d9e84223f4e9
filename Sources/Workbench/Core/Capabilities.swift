/// How many colours the terminal can show.
public enum ColorDepth: Sendable, Equatable {
    case none, eight, full256
}

/// What the terminal can draw; widgets always draw Unicode and the painter falls back from it.
public struct Capabilities: Sendable, Equatable {
    public var colors: ColorDepth
    public var unicode: Bool

    public init(colors: ColorDepth, unicode: Bool) {
        self.colors = colors
        self.unicode = unicode
    }

    public static let full = Capabilities(colors: .full256, unicode: true)
    public static let plainASCII = Capabilities(colors: .none, unicode: false)

    /// Chooses from what the terminal reports, then lets the user override it:
    /// `NO_COLOR` (any value) or `TINYLOC_COLORS=none|8|256`, and `TINYLOC_GLYPHS=ascii|unicode`.
    /// - Parameters:
    ///   - codeset: the locale's character set after `setlocale(LC_ALL, "")` (e.g. "UTF-8").
    ///   - terminalColors: the number of colours terminfo reports (0 when it has none).
    public static func detect(environment: [String: String], codeset: String?, terminalColors: Int) -> Capabilities {
        var colors: ColorDepth = terminalColors >= 256 ? .full256 : terminalColors >= 8 ? .eight : .none
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { colors = .none }
        switch environment["TINYLOC_COLORS"]?.lowercased() {
        case "none", "0", "mono": colors = .none
        case "8": colors = terminalColors >= 8 ? .eight : .none
        case "256": colors = terminalColors >= 256 ? .full256 : colors
        default: break
        }

        let utf8 = codeset.map { $0.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8" } ?? false
        // The Linux console and old VTs have no braille or block glyphs in their fonts even under UTF-8.
        let term = environment["TERM"] ?? ""
        var unicode = utf8 && !term.hasPrefix("linux") && !term.hasPrefix("vt")
        switch environment["TINYLOC_GLYPHS"]?.lowercased() {
        case "ascii": unicode = false
        case "unicode": unicode = true
        default: break
        }
        return Capabilities(colors: colors, unicode: unicode)
    }
}
