import Foundation

/// Small text helpers shared by the widgets: fitting strings into cells and formatting figures.
enum Text {
    static func truncate(_ s: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        guard s.count > width else { return s }
        return width == 1 ? "…" : String(s.prefix(width - 1)) + "…"
    }

    /// Lines of at most `width` characters, broken at spaces; a word longer than a line (a path)
    /// is cut into pieces. Existing line breaks are kept.
    static func wrap(_ s: String, to width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in s.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                var word = Substring(word)
                if !line.isEmpty && line.count + 1 + word.count <= width {
                    line += " " + word
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                while word.count > width {
                    lines.append(String(word.prefix(width)))
                    word = word.dropFirst(width)
                }
                line = String(word)
            }
            lines.append(line)
        }
        return lines
    }

    static func padRight(_ s: String, to width: Int) -> String {
        let t = truncate(s, to: width)
        return t + String(repeating: " ", count: width - t.count)
    }

    static func padLeft(_ s: String, to width: Int) -> String {
        let t = truncate(s, to: width)
        return String(repeating: " ", count: width - t.count) + t
    }

    /// Bytes as the MCU world writes them: KB = 1024 bytes.
    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        return String(format: "%.2f MB", Double(n) / (1024 * 1024))
    }

    /// Budgets are round numbers; "64 KB" reads better than "64.0 KB".
    static func budget(_ n: Int) -> String {
        n % 1024 == 0 && n < 1024 * 1024 ? "\(n / 1024) KB" : bytes(n)
    }

    static func count(_ n: Int) -> String {
        if n < 1000 { return "\(n)" }
        if n < 1_000_000 { return String(format: "%.1f k", Double(n) / 1e3) }
        return String(format: "%.2f M", Double(n) / 1e6)
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.\(digits)f", x)
    }

    /// A compact axis label of at most `width` characters.
    static func axis(_ x: Double, width: Int) -> String {
        for digits in [2, 1, 0] {
            let s = fixed(x, digits)
            if s.count <= width { return s }
        }
        return truncate(String(format: "%.0e", x), to: width)
    }

    /// Seconds as m:ss or h:mm:ss.
    static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }
}
