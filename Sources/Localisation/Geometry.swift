import Foundation

/// Plane geometry on floor-plan points: just what the simulator and the plan checks need.
extension FloorPlan.Point {
    static func - (a: Self, b: Self) -> Self { .init(x: a.x - b.x, y: a.y - b.y) }
    static func + (a: Self, b: Self) -> Self { .init(x: a.x + b.x, y: a.y + b.y) }
    static func * (a: Self, k: Double) -> Self { .init(x: a.x * k, y: a.y * k) }
    func distance(to b: Self) -> Double { ((x - b.x) * (x - b.x) + (y - b.y) * (y - b.y)).squareRoot() }
}

enum Geometry {
    typealias Point = FloorPlan.Point

    /// Even–odd ray casting; points exactly on an edge may fall either way.
    static func contains(_ polygon: [Point], _ p: Point) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i], b = polygon[j]
            if (a.y > p.y) != (b.y > p.y) {
                let xCross = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                if p.x < xCross { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// Shoelace formula: ½·|Σ (xᵢ·yᵢ₊₁ − xᵢ₊₁·yᵢ)|.
    static func area(_ polygon: [Point]) -> Double {
        var twice = 0.0
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            twice += a.x * b.y - b.x * a.y
        }
        return abs(twice) / 2
    }

    /// Distance from `p` to the nearest edge of `polygon`.
    static func distanceToBoundary(_ polygon: [Point], _ p: Point) -> Double {
        var best = Double.infinity
        for i in polygon.indices {
            best = min(best, distance(p, segment: polygon[i], polygon[(i + 1) % polygon.count]))
        }
        return best
    }

    static func distance(_ p: Point, segment a: Point, _ b: Point) -> Double {
        let ab = b - a, ap = p - a
        let len2 = ab.x * ab.x + ab.y * ab.y
        let t = len2 > 0 ? min(1, max(0, (ap.x * ab.x + ap.y * ab.y) / len2)) : 0
        return p.distance(to: a + ab * t)
    }

    /// True when segments p1–p2 and q1–q2 cross. Touching at an end point counts, so a link that
    /// grazes a wall's end pays for it: walls meet at corners and a ray through a corner is blocked.
    static func segmentsIntersect(_ p1: Point, _ p2: Point, _ q1: Point, _ q2: Point) -> Bool {
        func cross(_ o: Point, _ a: Point, _ b: Point) -> Double { (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x) }
        let d1 = cross(q1, q2, p1), d2 = cross(q1, q2, p2)
        let d3 = cross(p1, p2, q1), d4 = cross(p1, p2, q2)
        return ((d1 >= 0 && d2 <= 0) || (d1 <= 0 && d2 >= 0)) && ((d3 >= 0 && d4 <= 0) || (d3 <= 0 && d4 >= 0))
            && !(d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0)
    }

    static func boundingBox(_ points: [Point]) -> (min: Point, max: Point) {
        var lo = Point(x: .infinity, y: .infinity), hi = Point(x: -.infinity, y: -.infinity)
        for p in points {
            lo = Point(x: min(lo.x, p.x), y: min(lo.y, p.y))
            hi = Point(x: max(hi.x, p.x), y: max(hi.y, p.y))
        }
        return (lo, hi)
    }
}
