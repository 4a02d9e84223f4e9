/// A terminal size in character cells.
public struct Size: Equatable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)×\(height)" }
}

/// A rectangle of cells; `row`/`col` is the top-left corner, zero-based from the screen's top-left.
public struct Rect: Equatable, Sendable {
    public var row: Int
    public var col: Int
    public var width: Int
    public var height: Int

    public init(row: Int, col: Int, width: Int, height: Int) {
        self.row = row
        self.col = col
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var bottom: Int { row + height }
    public var right: Int { col + width }

    public func contains(row r: Int, col c: Int) -> Bool {
        r >= row && r < bottom && c >= col && c < right
    }

    public func inset(by n: Int) -> Rect {
        Rect(row: row + n, col: col + n, width: width - 2 * n, height: height - 2 * n)
    }

    public func intersection(_ other: Rect) -> Rect {
        let top = max(row, other.row), left = max(col, other.col)
        return Rect(row: top, col: left, width: min(right, other.right) - left, height: min(bottom, other.bottom) - top)
    }

    /// Splits off the first `n` rows (clamped), returning (top, rest).
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let n = min(max(0, n), height)
        return (Rect(row: row, col: col, width: width, height: n),
                Rect(row: row + n, col: col, width: width, height: height - n))
    }

    /// Splits off the last `n` rows (clamped), returning (rest, bottom).
    public func splitBottom(_ n: Int) -> (Rect, Rect) {
        let (rest, bottom) = splitTop(height - min(max(0, n), height))
        return (rest, bottom)
    }

    /// Splits off the first `n` columns (clamped), returning (left, rest).
    public func splitLeft(_ n: Int) -> (Rect, Rect) {
        let n = min(max(0, n), width)
        return (Rect(row: row, col: col, width: n, height: height),
                Rect(row: row, col: col + n, width: width - n, height: height))
    }

    /// Splits off the last `n` columns (clamped), returning (rest, right).
    public func splitRight(_ n: Int) -> (Rect, Rect) {
        splitLeft(width - min(max(0, n), width))
    }
}
