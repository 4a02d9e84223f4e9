import Foundation

/// How recordings are cut into model inputs (docs MODELS.md, "Input").
public struct WindowConfig: Codable, Sendable, Equatable {
    /// Steps per second; packets are grouped into steps [k/stepRate, (k+1)/stepRate).
    public var stepRate: Double = 5
    /// Steps per window (T).
    public var length: Int = 20
    /// Steps between window starts.
    public var hop: Int = 10
    /// Append the 3 accelerometer axes when every recording has them.
    public var useAccelerometer: Bool = true
    /// The longest silence between consecutive packets, beyond the recording's usual packet
    /// interval, that a window may span, in seconds. nil: one step (1/stepRate), so a window never
    /// hides more than a step's worth of missing samples behind the −120 dBm floor;
    /// `.infinity` lets windows run across any gap.
    public var maxGap: Double?

    public init(stepRate: Double = 5, length: Int = 20, hop: Int = 10, useAccelerometer: Bool = true, maxGap: Double? = nil) {
        self.stepRate = stepRate
        self.length = length
        self.hop = hop
        self.useAccelerometer = useAccelerometer
        self.maxGap = maxGap
    }

    public var effectiveMaxGap: Double { maxGap ?? 1 / stepRate }
}

/// Windows of step features, row-major: `x[(w·length + t)·features + f]`.
///
/// Per step, for R receivers: f ∈ [0, R) scaled RSSI (mean dBm of heard packets + 120) / 60, or 0
/// (−120 dBm) when none was heard; f ∈ [R, 2R) heard-rate, packets heard ÷ packets in the step
/// (0 for a step without packets); then, if present, the mean x, y, z acceleration in g.
public struct WindowSet: Sendable {
    public var count: Int
    public var length: Int
    public var features: Int
    public var x: [Float]
    /// Majority room of each window (index into `rooms`).
    public var labels: [Int]
    /// The room at every step, `stepLabels[w·length + t]`, for sequence labelling (the CRF). A step
    /// whose centre falls outside every labelled interval takes the room of the nearest labelled
    /// step before it in the window, or else after it.
    public var stepLabels: [Int]
    /// Which recording of the data set each window came from.
    public var recordingIndex: [Int]
    /// Start time of each window in its recording, seconds.
    public var startTimes: [Double]
    public var rooms: [String]
    public var featureNames: [String]

    /// `stepLabels` nil: every step carries its window's label.
    public init(count: Int, length: Int, features: Int, x: [Float], labels: [Int], stepLabels: [Int]? = nil, recordingIndex: [Int],
                startTimes: [Double], rooms: [String], featureNames: [String]) {
        precondition(x.count == count * length * features && labels.count == count, "window data does not match its shape")
        precondition(stepLabels.map { $0.count == count * length } ?? true, "step labels do not match the windows")
        self.count = count
        self.length = length
        self.features = features
        self.x = x
        self.labels = labels
        self.stepLabels = stepLabels ?? labels.flatMap { Array(repeating: $0, count: length) }
        self.recordingIndex = recordingIndex
        self.startTimes = startTimes
        self.rooms = rooms
        self.featureNames = featureNames
    }
}

/// The floor for a receiver that heard nothing, dBm.
public let silentRSSI: Float = -120

/// The dB that one unit of an RSSI feature stands for: the feature is (dBm − silentRSSI) / 60.
public let rssiDBPerFeatureUnit: Float = 60

/// Features of every step of one recording plus the room at each step's centre.
public struct StepFeatures: Sendable {
    public var steps: Int
    public var features: Int
    /// `values[k·features + f]`.
    public var values: [Float]
    /// Room whose interval [start, end) contains the step centre (k + ½)/stepRate, or nil.
    public var labels: [Int?]
    /// Which stretch of unbroken data each step belongs to, or nil for a step inside a gap.
    /// A window may only take steps of one segment. Segments are numbered in time order.
    public var segments: [Int?]

    /// `maxGap`: see `WindowConfig.maxGap` (seconds beyond the usual packet interval).
    public init(recording: Recording, stepRate: Double, includeAccelerometer: Bool, maxGap: Double = .infinity) {
        let r = recording.receivers.count
        let useAccel = includeAccelerometer && recording.accel != nil
        let f = 2 * r + (useAccel ? 3 : 0)
        let dt = 1 / stepRate
        let n = max(0, Int((recording.duration / dt).rounded(.down)))
        var sum = [Double](repeating: 0, count: n * r)
        var heard = [Int](repeating: 0, count: n * r)
        var packets = [Int](repeating: 0, count: n)
        var accelSum = [Double](repeating: 0, count: n * 3)
        for (i, t) in recording.times.enumerated() {
            let k = Int((t / dt).rounded(.down))
            guard k >= 0 && k < n else { continue }
            packets[k] += 1
            for j in 0..<r {
                let v = recording.rssi[i * r + j]
                if !v.isNaN {
                    sum[k * r + j] += Double(v)
                    heard[k * r + j] += 1
                }
            }
            if useAccel, let accel = recording.accel {
                for a in 0..<3 { accelSum[k * 3 + a] += Double(accel[i * 3 + a]) }
            }
        }
        var values = [Float](repeating: 0, count: n * f)
        var lastAccel: [Float] = [0, 0, 0]
        for k in 0..<n {
            for j in 0..<r {
                let h = heard[k * r + j]
                let dBm = h > 0 ? Float(sum[k * r + j] / Double(h)) : silentRSSI
                values[k * f + j] = (dBm - silentRSSI) / rssiDBPerFeatureUnit
                values[k * f + r + j] = packets[k] > 0 ? Float(h) / Float(packets[k]) : 0
            }
            if useAccel {
                // A step with no packet holds the last value (0 before the first packet).
                if packets[k] > 0 { lastAccel = (0..<3).map { Float(accelSum[k * 3 + $0] / Double(packets[k])) } }
                for a in 0..<3 { values[k * f + 2 * r + a] = lastAccel[a] }
            }
        }
        var labels = [Int?](repeating: nil, count: n)
        var cursor = 0
        let intervals = recording.intervals
        for k in 0..<n {
            let centre = (Double(k) + 0.5) * dt
            while cursor < intervals.count && intervals[cursor].end <= centre { cursor += 1 }
            if cursor < intervals.count && intervals[cursor].start <= centre { labels[k] = intervals[cursor].room }
        }
        steps = n
        features = f
        self.values = values
        self.labels = labels
        segments = Self.segments(times: recording.times, steps: n, dt: dt, maxGap: maxGap)
    }

    /// A gap is a silence between consecutive packets (or from the start of the recording to its
    /// first packet) longer than the usual packet interval plus `maxGap`. The usual interval is the
    /// median one, so a data set with a slower packet rate is not cut everywhere. The steps strictly
    /// inside a gap belong to no segment; the step holding the packet after a gap starts a new one.
    static func segments(times: [Double], steps n: Int, dt: Double, maxGap: Double) -> [Int?] {
        guard n > 0, !times.isEmpty else { return [Int?](repeating: nil, count: n) }
        guard maxGap.isFinite else { return [Int?](repeating: 0, count: n) }
        var intervals = zip(times.dropFirst(), times).map { $0 - $1 }
        intervals.sort()
        let usual = intervals.isEmpty ? 0 : intervals[intervals.count / 2]
        let limit = usual + maxGap
        var segments = [Int?](repeating: nil, count: n)
        var segment = 0
        var previous = 0.0
        var previousStep = -1
        var k = 0
        for t in times {
            let step = min(n - 1, Int((t / dt).rounded(.down)))
            if t - previous > limit {
                if previousStep >= 0 { segment += 1 }
                k = step
            }
            while k <= step {
                segments[k] = segment
                k += 1
            }
            previous = t
            previousStep = step
            if step == n - 1 { break }
        }
        return segments
    }
}

/// Cuts the chosen recordings into windows of `config.length` steps every `config.hop` steps.
/// A window is kept when at least half its steps are labelled; its label is the room of most
/// labelled steps, ties going to the room seen at the latest step. A window never spans a gap in
/// the packets (`WindowConfig.maxGap`): after a gap, windows restart at the first step of new data.
public func makeWindows(dataset: Dataset, recordings: [Int], config: WindowConfig = WindowConfig()) -> WindowSet {
    precondition(config.length > 0 && config.hop > 0 && config.stepRate > 0, "window length, hop and step rate must be positive")
    let useAccel = config.useAccelerometer && dataset.hasAccelerometer
    let r = dataset.receivers.count
    let featureCount = 2 * r + (useAccel ? 3 : 0)
    var x: [Float] = [], labels: [Int] = [], stepLabels: [Int] = [], origin: [Int] = [], starts: [Double] = []
    var votes = [Int](repeating: 0, count: dataset.rooms.count)
    for index in recordings {
        let recording = dataset.recordings[index]
        precondition(recording.receivers == dataset.receivers, "recording \(recording.name) has receivers \(recording.receivers), data set \(dataset.receivers)")
        let steps = StepFeatures(recording: recording, stepRate: config.stepRate, includeAccelerometer: useAccel,
                                 maxGap: config.effectiveMaxGap)
        var start = 0
        while start + config.length <= steps.steps {
            // A window that would take steps of two segments, or a step inside a gap, restarts
            // at the first step of the next segment instead.
            guard let segment = steps.segments[start] else { start += 1; continue }
            if let cut = (start..<(start + config.length)).first(where: { steps.segments[$0] != segment }) {
                start = cut
                continue
            }
            defer { start += config.hop }
            for i in votes.indices { votes[i] = 0 }
            var labelled = 0
            for k in start..<(start + config.length) {
                if let room = steps.labels[k] { votes[room] += 1; labelled += 1 }
            }
            guard 2 * labelled >= config.length else { continue }
            let best = votes.max()!
            let winner = (start..<(start + config.length)).reversed().lazy.compactMap { steps.labels[$0] }.first { votes[$0] == best }!
            x.append(contentsOf: steps.values[(start * featureCount)..<((start + config.length) * featureCount)])
            labels.append(winner)
            let window = start..<(start + config.length)
            var carried = window.lazy.compactMap { steps.labels[$0] }.first!
            for k in window {
                if let room = steps.labels[k] { carried = room }
                stepLabels.append(carried)
            }
            origin.append(index)
            starts.append(Double(start) / config.stepRate)
        }
    }
    let names = dataset.receivers.map { "rssi:\($0)" } + dataset.receivers.map { "heard:\($0)" } + (useAccel ? ["accel:x", "accel:y", "accel:z"] : [])
    return WindowSet(count: labels.count, length: config.length, features: featureCount, x: x, labels: labels,
                     stepLabels: stepLabels, recordingIndex: origin, startTimes: starts, rooms: dataset.rooms, featureNames: names)
}

extension WindowSet {
    /// The windows of several sets (same shape, rooms and features) one after the other.
    public static func concatenating(_ parts: [WindowSet]) -> WindowSet {
        precondition(!parts.isEmpty, "nothing to concatenate")
        let first = parts[0]
        precondition(parts.allSatisfy { $0.length == first.length && $0.features == first.features && $0.rooms == first.rooms },
                     "window sets differ in shape or rooms")
        return WindowSet(count: parts.reduce(0) { $0 + $1.count }, length: first.length, features: first.features,
                         x: parts.flatMap(\.x), labels: parts.flatMap(\.labels), stepLabels: parts.flatMap(\.stepLabels),
                         recordingIndex: parts.flatMap(\.recordingIndex), startTimes: parts.flatMap(\.startTimes),
                         rooms: first.rooms, featureNames: first.featureNames)
    }
}
