/// Counts of values in equal-width bins over [lowerBound, upperBound].
///
/// Bin k covers [lowerBound + k·w, lowerBound + (k+1)·w) with w = (upperBound − lowerBound) / bins;
/// the last bin also takes upperBound itself. Values outside the range are not dropped silently:
/// they are counted in `below` / `above`, so Σ counts + below + above = number of values.
public struct Histogram: Sendable, Codable, Equatable {
    public var lowerBound: Double
    public var upperBound: Double
    public var counts: [Int]
    public var below: Int
    public var above: Int

    public var binWidth: Double { (upperBound - lowerBound) / Double(counts.count) }
    public var total: Int { counts.reduce(0, +) + below + above }

    public init(lowerBound: Double, upperBound: Double, binCount: Int) {
        precondition(lowerBound < upperBound && binCount > 0, "empty histogram range")
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        counts = [Int](repeating: 0, count: binCount)
        below = 0
        above = 0
    }

    public mutating func add(_ value: Double) {
        if value < lowerBound {
            below += 1
        } else if value > upperBound {
            above += 1
        } else {
            let bin = Int((value - lowerBound) / binWidth)
            counts[min(bin, counts.count - 1)] += 1
        }
    }
}
