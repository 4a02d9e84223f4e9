import Deploy
import Foundation
import Localisation
import Models

/// The bounds every session setting must lie within, checked when a session is created and every
/// time session.json is read, before anything runs. A hand-edited session.json reaches the engine
/// without the command line's checks: a batch size of 0 looped forever, a window of 0 steps or a
/// step rate of 0 crashed, 1e9 minutes per simulated recording hung.
extension SessionConfig {
    /// A setting outside its bounds: its JSON path in session.json, what it may be, what it is.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var path: String
        public var expected: String
        public var found: String
        public var description: String { "\(path) must be \(expected), found \(found)" }
    }

    /// Throws the first setting out of bounds.
    public func validate() throws {
        func check<T: Comparable>(_ path: String, _ value: T, _ range: ClosedRange<T>) throws {
            guard range.contains(value) else { throw Problem(path: path, expected: "\(range.lowerBound)…\(range.upperBound)", found: "\(value)") }
        }
        func positive<T: BinaryFloatingPoint>(_ path: String, _ value: T, atMost limit: T) throws {
            guard value > 0 && value <= limit else { throw Problem(path: path, expected: "in (0, \(limit)]", found: "\(value)") }
        }
        do { try Session.validate(name: name) } catch {
            throw Problem(path: "name", expected: "1–64 letters, digits, '-', '_' or '.', not starting with '.'", found: "\"\(name)\"")
        }
        try check("data.recordings", data.recordings, 3...100)
        try positive("data.minutesPerRecording", data.minutesPerRecording, atMost: 24 * 60)
        try check("data.annotator", data.annotator, 0...99)
        if data.kind != .simulated, data.path?.isEmpty ?? true {
            throw Problem(path: "data.path", expected: "the folder or file of the \(data.kind.rawValue) data", found: data.path == nil ? "none" : "\"\"")
        }
        if data.kind == .csv, data.columns == nil {
            throw Problem(path: "data.columns", expected: "a column mapping for csv data", found: "none")
        }
        if let columns = data.columns {
            do { try columns.check() } catch { throw Problem(path: "data.columns", expected: "a valid column mapping", found: "\(error)") }
        }
        try check("windowLength", windowLength, 1...1000)
        try check("windowHop", windowHop, 1...100_000)
        // With recordings of at most a day (PhysicalLimits), 20 steps a second bounds windowing
        // at 1.7 M steps per recording; a faster step rate than the packets' ~20 Hz says nothing more.
        try check("stepRate", stepRate, 0.05...20)
        if let maxGap, !(maxGap >= 0) { throw Problem(path: "maxGap", expected: "≥ 0 seconds", found: "\(maxGap)") }
        try checkModel()
        try check("training.epochs", training.epochs, 1...100_000)
        try check("training.batchSize", training.batchSize, 1...4096)
        try positive("training.learningRate", training.learningRate, atMost: 10)
        try check("training.weightDecay", training.weightDecay, 0...10)
        try check("training.patience", training.patience, 0...100_000)
        try check("training.receiverDropout", training.receiverDropout, 0...0.9)
        try check("training.rssiNoiseDB", training.rssiNoiseDB, 0...60)
        if training.rssiNoiseDB > 0 && acrossWindows != nil {
            throw Problem(path: "training.rssiNoiseDB", expected: "0 with acrossWindows (the across-window trainer adds no RSSI noise)",
                          found: "\(training.rssiNoiseDB)")
        }
        if let teacher {
            try positive("teacher.temperature", teacher.temperature, atMost: 100)
            try check("teacher.alpha", teacher.alpha, 0...1)
            if let more = teacher.moreSessions { try check("teacher.moreSessions (count)", more.count, 1...7) }
        }
        try check("ramBudgetBytes", ramBudgetBytes, 1...(1 << 30))
        let mcus = MCUProfile.catalogue.map(\.name)
        guard mcus.contains(mcu) else { throw Problem(path: "mcu", expected: "one of \(mcus.joined(separator: ", "))", found: "\"\(mcu)\"") }
    }

    /// Model hyper-parameters, walked as JSON so every family's fields are covered without a case
    /// per family: dropouts are probabilities below 1, every other number a size of 1…4096
    /// (`accelerometerFeatures` may be 0: no accelerometer).
    private func checkModel() throws {
        let json = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(model))
        var sizes: [(path: String, value: Double)] = []
        func walk(_ value: JSONValue, _ path: String, _ key: String) throws {
            switch value {
            case .object(let fields): for (name, field) in fields { try walk(field, "\(path).\(name)", name) }
            case .array(let items): for (i, item) in items.enumerated() { try walk(item, "\(path)[\(i)]", key) }
            case .number(let v) where key.lowercased().hasSuffix("dropout"):
                guard v >= 0 && v < 1 else { throw Problem(path: path, expected: "in [0, 1)", found: "\(v)") }
            case .number(let v):
                let least: Double = key == "accelerometerFeatures" ? 0 : 1
                guard v == v.rounded() && v >= least && v <= 4096 else {
                    throw Problem(path: path, expected: "a whole number \(Int(least))…4096", found: "\(v)")
                }
                sizes.append((path, v))
            case .other: break
            }
        }
        try walk(json, "model", "model")
        // Each size is bounded alone, but a layer's weights grow with a product of them (width ×
        // width × multiplier): bound the largest such product (the largest size squared times the
        // next) so an absurd model is refused here rather than aborting when its tensors are allocated.
        let largest = sizes.sorted { $0.value > $1.value }.prefix(2)
        let scale = largest.first.map { $0.value * $0.value * (largest.dropFirst().first?.value ?? 1) } ?? 0
        if scale > Double(Self.largestModelScale) {
            throw Problem(path: largest.map(\.path).joined(separator: ", "),
                          expected: "sizes whose largest squared times the next is at most \(Self.largestModelScale) "
                                    + "(a model that fits in memory)",
                          found: largest.map { "\(Int($0.value))" }.joined(separator: ", "))
        }
        if model.kind == .cnn {
            let config = model.cnn ?? .init()
            let steps = config.filters.reduce(windowLength) { steps, _ in steps / config.pool }
            guard steps > 0 else {
                throw Problem(path: "windowLength", expected: "enough steps for \(config.filters.count) pools of \(config.pool) (cnn)",
                              found: "\(windowLength)")
            }
        }
        if let student = model.student, student.width % student.heads != 0 {
            throw Problem(path: "model.student.heads", expected: "a divisor of width \(student.width)", found: "\(student.heads)")
        }
    }

    /// 2^31: a student of width 512 and feed-forward 2048 passes; a teacher of width 4096 with a
    /// GRN multiplier of 128 (8.6 GB of weights) does not.
    static let largestModelScale = 1 << 31

    private enum JSONValue: Decodable {
        case object([String: JSONValue]), array([JSONValue]), number(Double), other

        init(from decoder: Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let fields = try? single.decode([String: JSONValue].self) {
                self = .object(fields)
            } else if let items = try? single.decode([JSONValue].self) {
                self = .array(items)
            } else if (try? single.decode(Bool.self)) == nil, let v = try? single.decode(Double.self) {
                self = .number(v)
            } else {
                self = .other
            }
        }
    }
}

extension SessionConfig {
    /// What a checkpoint's weights depend on — data, split, windows, scaling, model, teacher and
    /// seed — as 16 hex digits (FNV-1a 64 of their JSON with sorted keys). Training settings
    /// (epochs, learning rate, …) and the deployment target are left out: changing them does not
    /// make the saved weights another experiment's.
    public var digest: String {
        struct Bound: Encodable {
            var seed: UInt64
            var data: DataSource
            var split: Split?
            var splitSpec: SplitSpec?
            var windowLength, windowHop: Int
            var stepRate: Double
            var maxGap: Double?
            var scaling: FeatureScaling?
            var model: ModelConfig
            var teacher: TeacherReference?
        }
        return jsonDigest(Bound(seed: seed, data: data, split: split, splitSpec: splitSpec, windowLength: windowLength,
                                windowHop: windowHop, stepRate: stepRate, maxGap: maxGap, scaling: scaling, model: model,
                                teacher: teacher))
    }
}

/// 16 hex digits of FNV-1a 64 over `value`'s JSON with sorted keys: what a saved state was made
/// from, stable across runs. The values digested are plain numbers, strings and bools, which
/// always encode.
func jsonDigest<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let bytes = (try? encoder.encode(value)) ?? Data()
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
