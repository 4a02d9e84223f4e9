/// The colour scheme as data (htop style): each role has a 256-colour, an 8-colour and a
/// monochrome form, so a role stays distinguishable on every terminal.
struct Palette {
    struct Entry {
        /// Foreground and background colour numbers; -1 is the terminal's default.
        var fg256: Int16, bg256: Int16
        var fg8: Int16, bg8: Int16
        var monoBold = false, monoReverse = false, monoDim = false
    }

    static func entry(_ role: ColorRole) -> Entry {
        switch role {
        case .text: return Entry(fg256: -1, bg256: -1, fg8: -1, bg8: -1)
        case .muted: return Entry(fg256: 245, bg256: 236, fg8: -1, bg8: 0, monoDim: true)
        case .accent: return Entry(fg256: 75, bg256: 24, fg8: 6, bg8: 6, monoBold: true)
        case .frame: return Entry(fg256: 242, bg256: 236, fg8: -1, bg8: -1)
        case .focus: return Entry(fg256: 214, bg256: 94, fg8: 3, bg8: 3, monoBold: true)
        case .train: return Entry(fg256: 81, bg256: 24, fg8: 6, bg8: 6, monoBold: true)
        case .val: return Entry(fg256: 215, bg256: 94, fg8: 3, bg8: 3)
        case .good: return Entry(fg256: 114, bg256: 22, fg8: 2, bg8: 2, monoBold: true)
        case .bad: return Entry(fg256: 203, bg256: 52, fg8: 1, bg8: 1, monoBold: true)
        case .warn: return Entry(fg256: 221, bg256: 58, fg8: 3, bg8: 3, monoBold: true)
        case .peak: return Entry(fg256: 203, bg256: 52, fg8: 1, bg8: 1, monoBold: true)
        case .trueRoom: return Entry(fg256: 114, bg256: 22, fg8: 2, bg8: 2, monoReverse: true)
        case .predRoom: return Entry(fg256: 213, bg256: 53, fg8: 5, bg8: 5, monoBold: true)
        case .selection: return Entry(fg256: -1, bg256: 238, fg8: -1, bg8: 4, monoReverse: true)
        }
    }
}
