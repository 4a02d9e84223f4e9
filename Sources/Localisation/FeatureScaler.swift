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

    /// `keepingZero`: features whose range must include 0, so that 0 still maps to 0 after scaling.
    /// Pass the receiver features: 0 there means "heard nothing" (−120 dBm, heard-rate 0), and
    /// receiver dropout and a receiver silent at test time both rely on silence staying 0.
    public static func fit(on windows: WindowSet, keepingZero: [Int] = []) -> FeatureScaler {
        let f = windows.features
        var lo = [Float](repeating: .infinity, count: f), hi = [Float](repeating: -.infinity, count: f)
        for j in keepingZero {
            lo[j] = 0
            hi[j] = 0
        }
        for (i, v) in windows.x.enumerated() {
            let j = i % f
            lo[j] = min(lo[j], v)
            hi[j] = max(hi[j], v)
        }
        // No windows: identity, rather than infinities that would poison every later value.
        for j in 0..<f where lo[j] > hi[j] { lo[j] = 0; hi[j] = 1 }
        // A receiver never heard in training keeps the fixed map's 0…1 instead of [0, 0].
        for j in keepingZero where hi[j] == 0 && lo[j] == 0 { hi[j] = 1 }
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

/// How features reach the model. `fixed`: the physical map of MODELS.md ((dBm + 120) / 60 for RSSI,
/// heard-rate and acceleration as they are), needing no statistics. `minmax`: additionally a
/// per-feature min/max scaler fitted on the training recordings only and stored with the model.
public enum FeatureScaling: String, Codable, Sendable, CaseIterable {
    case fixed
    case minmax
}
