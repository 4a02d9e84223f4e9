/// Maps every glyph the widgets use to one ASCII character of the same width, so an ASCII
/// terminal gets a legible picture and column alignment survives.
enum ASCIIFallback {
    static func character(for c: Character) -> Character {
        if c.isASCII { return c }
        guard let scalar = c.unicodeScalars.first else { return "?" }
        if (0x2800...0x28FF).contains(scalar.value) { return braille(UInt8(scalar.value - 0x2800)) }
        return table[c] ?? "?"
    }

    static func string(_ s: String) -> String {
        String(s.map(character(for:)))
    }

    /// Braille dots 1,2,4,5 are the top half of the cell, 3,6,7,8 the bottom half.
    private static func braille(_ bits: UInt8) -> Character {
        let top = bits & 0b0001_1011 != 0
        let bottom = bits & 0b1110_0100 != 0
        switch (top, bottom) {
        case (true, true): return ":"
        case (true, false): return "'"
        case (false, true): return "."
        case (false, false): return " "
        }
    }

    private static let table: [Character: Character] = {
        var t: [Character: Character] = [:]
        for c in "─━" { t[c] = "-" }
        // Dashed lines stay dashed-looking, so a legend still tells solid from dashed.
        for c in "┄┅┈┉╌" { t[c] = "." }
        for c in "│┃┆┇┊┋╎" { t[c] = "|" }
        for c in "┌┐└┘├┤┬┴┼╭╮╰╯" { t[c] = "+" }
        for c in "▁▂▃" { t[c] = "_" }
        for c in "▄▅▆" { t[c] = "=" }
        for c in "▇█▉▓" { t[c] = "#" }
        for c in "▊▋▌" { t[c] = "=" }
        for c in "▍▎▏" { t[c] = "-" }
        t["░"] = "."
        t["▒"] = ":"
        t["●"] = "*"
        t["○"] = "o"
        t["✓"] = "v"
        t["✗"] = "x"
        t["◀"] = "<"
        t["▶"] = ">"
        t["↑"] = "^"
        t["↓"] = "v"
        t["→"] = ">"
        t["←"] = "<"
        t["↔"] = "-"
        t["—"] = "-"
        t["·"] = "."
        t["×"] = "x"
        t["Δ"] = "d"
        t["−"] = "-"
        t["≈"] = "~"
        t["…"] = "~"
        t["‖"] = "|"
        t["\u{00A0}"] = " "
        return t
    }()
}
