/// A grid of dots, two wide and four tall per cell, turned into braille characters (U+2800…).
/// Dot (x, y) has x growing right and y growing down, both from the top-left of the canvas.
struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private(set) var bits: [UInt8]
    /// The series (by index) that last drew in each cell, so the cell takes that series' colour.
    private(set) var owner: [Int?]

    init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        owner = Array(repeating: nil, count: self.columns * self.rows)
    }

    var dotWidth: Int { columns * 2 }
    var dotHeight: Int { rows * 4 }

    /// Unicode numbers braille dots 1-2-3-7 down the left column and 4-5-6-8 down the right.
    private static let bit: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    mutating func set(x: Int, y: Int, series: Int = 0) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let i = (y / 4) * columns + x / 2
        bits[i] |= Self.bit[y % 4][x % 2]
        owner[i] = series
    }

    /// Draws a straight line of dots (Bresenham). `dash` > 0 leaves gaps: `dash` dots on, `dash` off.
    mutating func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), series: Int = 0, dash: Int = 0, phase: inout Int) {
        var x = a.x, y = a.y
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var err = dx + dy
        while true {
            if dash == 0 || (phase / dash) % 2 == 0 { set(x: x, y: y, series: series) }
            phase += 1
            if x == b.x && y == b.y { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    func character(row: Int, column: Int) -> Character? {
        let b = bits[row * columns + column]
        guard b != 0, let scalar = Unicode.Scalar(0x2800 + UInt32(b)) else { return nil }
        return Character(scalar)
    }

    func series(row: Int, column: Int) -> Int? { owner[row * columns + column] }
}
