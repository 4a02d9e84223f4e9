import Graph

/// How a tensor's range is chosen from the values it took on calibration windows.
public enum CalibrationMethod: String, Sendable, Codable, CaseIterable {
    /// The observed minimum and maximum (TFLite's default calibrator): nothing clips.
    case minmax
    /// The central 99.99 % of the observed values: rare outliers clip, the rest gets finer steps.
    case percentile
    /// The clipping of the observed range (100 % down to 30 %, in 5 % steps) whose int8 grid has the
    /// least mean squared error on the observed values.
    case mse
}

/// The range chosen for one tensor, and how.
public struct CalibratedRange: Sendable, Codable, Equatable {
    public var min: Float
    public var max: Float
    /// The observed extremes, before any clipping.
    public var observedMin: Float
    public var observedMax: Float
    public var method: CalibrationMethod
}

public enum CalibrationError: Error, Equatable, CustomStringConvertible {
    case noWindows
    case nonFiniteWeight(String)
    case nonFiniteValue(tensor: String, window: Int)

    public var description: String {
        switch self {
        case .noWindows: return "calibration needs at least one window; the training split has none"
        case .nonFiniteWeight(let name): return "weight \(name) holds NaN or infinity (a diverged run?); nothing was quantized"
        case .nonFiniteValue(let tensor, let window):
            return "tensor \(tensor) took a NaN or infinite value on calibration window \(window); nothing was quantized"
        }
    }
}

/// Ranges of every tensor of a float graph (and of the internal states of scans and LSTMs, named
/// "<op>.state", "<op>.cell", "<op>.gates"), from running it over calibration windows.
public struct Calibration: Sendable, Codable, Equatable {
    public var ranges: [String: CalibratedRange]

    /// At most this many values per tensor are kept for the percentile and MSE methods.
    static let sampleCap = 200_000

    public init(graph: Graph, windows: [[Float]], method: CalibrationMethod = .minmax) throws {
        guard !windows.isEmpty else { throw CalibrationError.noWindows }
        for w in graph.weights where w.values.contains(where: { !$0.isFinite }) { throw CalibrationError.nonFiniteWeight(w.name) }
        let interpreter = try FloatInterpreter(graph)
        var low = [String: Float](), high = [String: Float](), samples = [String: [Float]]()
        var bad: (String, Int)?
        for (w, window) in windows.enumerated() {
            interpreter.reset()
            interpreter.run(window) { name, values in
                var lo = low[name] ?? .infinity, hi = high[name] ?? -.infinity
                for v in values {
                    if !v.isFinite { if bad == nil { bad = (name, w) }; continue }
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
                low[name] = lo
                high[name] = hi
                if method != .minmax, samples[name, default: []].count < Self.sampleCap { samples[name, default: []] += values }
            }
            if let (name, window) = bad { throw CalibrationError.nonFiniteValue(tensor: name, window: window) }
        }
        var ranges = [String: CalibratedRange]()
        for (name, lo) in low {
            let hi = high[name]!
            var range = CalibratedRange(min: lo, max: hi, observedMin: lo, observedMax: hi, method: method)
            if let values = samples[name], !values.isEmpty {
                (range.min, range.max) = method == .percentile ? Self.percentileRange(values) : Self.mseRange(values, lo, hi)
            }
            ranges[name] = range
        }
        self.ranges = ranges
    }

    static func percentileRange(_ values: [Float]) -> (Float, Float) {
        let sorted = values.sorted()
        let tail = Int((Double(sorted.count) * 0.00005).rounded(.down))
        return (sorted[tail], sorted[sorted.count - 1 - tail])
    }

    static func mseRange(_ values: [Float], _ lo: Float, _ hi: Float) -> (Float, Float) {
        var best = (lo, hi), bestError = Double.infinity
        for step in 0...14 {
            let f = 1 - Float(step) * 0.05
            let q = TensorQuantization(min: lo * f, max: hi * f, bits: 8)
            var error = 0.0
            for v in values {
                let e = Double(q.dequantize(q.quantize(v)) - v)
                error += e * e
            }
            if error < bestError {
                bestError = error
                best = (lo * f, hi * f)
            }
        }
        return best
    }
}
