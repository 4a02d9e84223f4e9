/// Horizontal bars drawn with eighth-block glyphs, so a bar is as precise as a cell allows.
enum Bars {
    private static let partial: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// A bar `fraction` (0…1) of `width` cells long, without padding.
    static func horizontal(_ fraction: Double, width: Int) -> String {
        guard width > 0, fraction.isFinite, fraction > 0 else { return "" }
        let eighths = Int((min(fraction, 1) * Double(width * 8)).rounded())
        var bar = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { bar.append(partial[eighths % 8 - 1]) }
        if bar.isEmpty { bar = "▏" }
        return bar
    }
}
