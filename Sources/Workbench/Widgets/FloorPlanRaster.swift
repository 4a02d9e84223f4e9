import Localisation

/// One floor of a plan sampled onto character cells: which room each cell's centre falls in.
/// Cells are taken to be twice as tall as wide, so the plan keeps its proportions on screen.
struct FloorPlanRaster {
    let floor: Int
    let width: Int
    let height: Int
    /// Index into `FloorPlan.rooms`, or nil outside every room; row-major.
    private(set) var roomAt: [Int?]

    /// Rows per metre are half the columns per metre because a cell is about 2:1.
    static let cellAspect = 2.0

    struct Bounds {
        var minX, minY, maxX, maxY: Double
        var width: Double { maxX - minX }
        var depth: Double { maxY - minY }
    }

    static func bounds(of plan: FloorPlan, floor: Int) -> Bounds? {
        let points = plan.rooms.filter { $0.floor == floor }.flatMap(\.polygon)
        guard let first = points.first else { return nil }
        var b = Bounds(minX: first.x, minY: first.y, maxX: first.x, maxY: first.y)
        for p in points {
            b.minX = min(b.minX, p.x); b.maxX = max(b.maxX, p.x)
            b.minY = min(b.minY, p.y); b.maxY = max(b.maxY, p.y)
        }
        return b.width > 0 && b.depth > 0 ? b : nil
    }

    /// Columns per metre that fit `bounds` into `width` × `height` cells.
    static func scale(for bounds: Bounds, width: Int, height: Int) -> Double {
        min(Double(width) / bounds.width, Double(height) * cellAspect / bounds.depth)
    }

    /// Samples `floor` at `columnsPerMetre`; the result is just big enough to hold the floor.
    init(plan: FloorPlan, floor: Int, bounds: Bounds, columnsPerMetre sx: Double) {
        self.floor = floor
        let sy = sx / Self.cellAspect
        width = max(1, Int((bounds.width * sx).rounded()))
        height = max(1, Int((bounds.depth * sy).rounded()))
        roomAt = Array(repeating: nil, count: width * height)
        let rooms = plan.rooms.enumerated().filter { $0.element.floor == floor }
        for r in 0..<height {
            // North is up, so row 0 is the floor's largest y.
            let y = bounds.maxY - (Double(r) + 0.5) / sy
            for c in 0..<width {
                let x = bounds.minX + (Double(c) + 0.5) / sx
                roomAt[r * width + c] = rooms.first { Self.contains($0.element.polygon, x: x, y: y) }?.offset
            }
        }
    }

    func room(row: Int, col: Int) -> Int? {
        guard row >= 0, col >= 0, row < height, col < width else { return nil }
        return roomAt[row * width + col]
    }

    /// A wall cell lies inside a room and borders a different room on its left or top (so a wall
    /// shared by two rooms is drawn once) or the outside on any side.
    func isWall(row: Int, col: Int) -> Bool {
        guard let own = room(row: row, col: col) else { return false }
        return room(row: row, col: col - 1) != own || room(row: row - 1, col: col) != own
            || room(row: row, col: col + 1) == nil || room(row: row + 1, col: col) == nil
    }

    /// The box-drawing glyph joining a wall cell to its wall neighbours.
    func wallGlyph(row: Int, col: Int) -> Character {
        let up = isWall(row: row - 1, col: col), down = isWall(row: row + 1, col: col)
        let left = isWall(row: row, col: col - 1), right = isWall(row: row, col: col + 1)
        switch (up, down, left, right) {
        case (false, true, false, true): return "┌"
        case (false, true, true, false): return "┐"
        case (true, false, false, true): return "└"
        case (true, false, true, false): return "┘"
        case (true, true, false, true): return "├"
        case (true, true, true, false): return "┤"
        case (false, true, true, true): return "┬"
        case (true, false, true, true): return "┴"
        case (true, true, true, true): return "┼"
        case (true, _, false, false), (_, true, false, false): return "│"
        default: return "─"
        }
    }

    /// Even-odd ray casting.
    static func contains(_ polygon: [FloorPlan.Point], x: Double, y: Double) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i], b = polygon[j]
            if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }
}
