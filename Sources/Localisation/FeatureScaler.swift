import Foundation

/// Optional per-feature min/max scaling, x' = (x − min_f) / (max_f − min_f), or x − min_f for a
/// constant feature. Fit on the training recordings' windows only, then apply to every split,
/// so validation and test statistics never leak into training.
public struct FeatureScaler: Codable, Sendable, Equatable {
    public var minimum: [Float]
    public var maximum: [Float]

    public init(minimum: [Float], maximum: [Float]) {
        precondition(minimum.count == maximum.count, "min and max differ in length")
        self.minimum = minimum
        self.maximum = maximum
    }

    public static func fit(on windows: WindowSet) -> FeatureScaler {
        let f = windows.features
        var lo = [Float](repeating: .infinity, count: f), hi = [Float](repeating: -.infinity, count: f)
        for (i, v) in windows.x.enumerated() {
            let j = i % f
            lo[j] = min(lo[j], v)
            hi[j] = max(hi[j], v)
        }
        // No windows: identity, rather than infinities that would poison every later value.
        for j in 0..<f where lo[j] > hi[j] { lo[j] = 0; hi[j] = 1 }
        return FeatureScaler(minimum: lo, maximum: hi)
    }

    public func apply(to windows: inout WindowSet) {
        precondition(windows.features == minimum.count, "scaler fitted on \(minimum.count) features, windows have \(windows.features)")
        let f = windows.features
        let scale = zip(minimum, maximum).map { $1 > $0 ? 1 / ($1 - $0) : 1 }
        for i in windows.x.indices {
            let j = i % f
            windows.x[i] = (windows.x[i] - minimum[j]) * scale[j]
        }
    }

    public func applied(to windows: WindowSet) -> WindowSet {
        var copy = windows
        apply(to: &copy)
        return copy
    }
}
