import Foundation

/// The statistics the simulator is calibrated on, computed the same way for real and simulated
/// data sets so the two can be set side by side (docs/SIMULATOR.md).
public struct CalibrationStats: Sendable {
    public struct Receiver: Sendable {
        public var name: String
        /// Rows with no reading ÷ rows, over all recordings.
        public var missingRate: Double
        /// The same over the recordings in which this receiver heard anything at all.
        public var missingRateWhenActive: Double
        /// Recordings in which it heard nothing.
        public var silentRecordings: Int
        /// Over heard readings, dBm.
        public var mean: Double
        public var std: Double
        public var min: Double
        public var max: Double
    }

    public struct Dwell: Sendable {
        public var count: Int
        public var median: Double
        public var p10: Double
        public var p90: Double
        public var max: Double
    }

    public var recordings: Int
    public var hours: Double
    public var receivers: [Receiver]
    /// Over every labelled interval.
    public var dwell: Dwell
    /// Median interval length per room, seconds (rooms never labelled are absent).
    public var roomDwellMedian: [String: Double]
    /// Labelled time ÷ recorded time.
    public var labelledFraction: Double
    /// Standard deviation of |a| (g) within labelled intervals of transit rooms (walking) and others.
    public var accelMagnitudeStd: (transit: Double, other: Double)

    public init(dataset: Dataset, transitRooms: Set<String> = ["hall", "stairs"]) {
        let r = dataset.receivers.count
        var missing = [Int](repeating: 0, count: r), rows = 0
        var activeMissing = [Int](repeating: 0, count: r), activeRows = [Int](repeating: 0, count: r)
        var silent = [Int](repeating: 0, count: r)
        var sum = [Double](repeating: 0, count: r), sum2 = [Double](repeating: 0, count: r)
        var lo = [Double](repeating: .infinity, count: r), hi = [Double](repeating: -.infinity, count: r)
        var intervals: [Double] = []
        var perRoom: [String: [Double]] = [:]
        var labelled = 0.0, total = 0.0
        var magnitudes: (transit: [Double], other: [Double]) = ([], [])
        for recording in dataset.recordings {
            var recordingMissing = [Int](repeating: 0, count: r)
            for i in 0..<recording.packetCount {
                for j in 0..<r {
                    let v = recording.rssi[i * r + j]
                    if v.isNaN { recordingMissing[j] += 1; continue }
                    let d = Double(v)
                    sum[j] += d; sum2[j] += d * d
                    lo[j] = Swift.min(lo[j], d); hi[j] = Swift.max(hi[j], d)
                }
            }
            rows += recording.packetCount
            for j in 0..<r {
                missing[j] += recordingMissing[j]
                if recordingMissing[j] == recording.packetCount { silent[j] += 1 } else {
                    activeMissing[j] += recordingMissing[j]
                    activeRows[j] += recording.packetCount
                }
            }
            total += recording.duration
            for interval in recording.intervals {
                let length = interval.end - interval.start
                intervals.append(length)
                perRoom[dataset.rooms[interval.room], default: []].append(length)
                labelled += length
            }
            if let accel = recording.accel {
                var cursor = 0
                for (i, t) in recording.times.enumerated() {
                    while cursor < recording.intervals.count && recording.intervals[cursor].end <= t { cursor += 1 }
                    guard cursor < recording.intervals.count, recording.intervals[cursor].start <= t else { continue }
                    let a = (0..<3).map { Double(accel[i * 3 + $0]) }
                    let m = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).squareRoot()
                    if transitRooms.contains(dataset.rooms[recording.intervals[cursor].room]) { magnitudes.transit.append(m) } else { magnitudes.other.append(m) }
                }
            }
        }
        receivers = (0..<r).map { j in
            let heard = Double(rows - missing[j])
            let mean = heard > 0 ? sum[j] / heard : .nan
            return Receiver(name: dataset.receivers[j],
                            missingRate: rows > 0 ? Double(missing[j]) / Double(rows) : .nan,
                            missingRateWhenActive: activeRows[j] > 0 ? Double(activeMissing[j]) / Double(activeRows[j]) : .nan,
                            silentRecordings: silent[j], mean: mean,
                            std: heard > 0 ? Swift.max(0, sum2[j] / heard - mean * mean).squareRoot() : .nan,
                            min: heard > 0 ? lo[j] : .nan, max: heard > 0 ? hi[j] : .nan)
        }
        recordings = dataset.recordings.count
        hours = total / 3600
        dwell = Self.summary(intervals)
        roomDwellMedian = perRoom.mapValues { Self.summary($0).median }
        labelledFraction = total > 0 ? labelled / total : 0
        accelMagnitudeStd = (Self.std(magnitudes.transit), Self.std(magnitudes.other))
    }

    /// Nearest-rank quantiles.
    static func summary(_ values: [Double]) -> Dwell {
        let s = values.sorted()
        guard !s.isEmpty else { return Dwell(count: 0, median: .nan, p10: .nan, p90: .nan, max: .nan) }
        func q(_ p: Double) -> Double { s[Swift.min(s.count - 1, Int((p * Double(s.count)).rounded(.down)))] }
        return Dwell(count: s.count, median: q(0.5), p10: q(0.1), p90: q(0.9), max: s[s.count - 1])
    }

    static func std(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
    }

    /// A Markdown table of `real` beside `simulated`, receiver by receiver and then dwell times.
    public static func comparisonTable(real: CalibrationStats, simulated: CalibrationStats) -> String {
        func f(_ v: Double, _ digits: Int = 1) -> String { v.isNaN ? "–" : String(format: "%.\(digits)f", v) }
        var lines = [
            "| | real | simulated |",
            "|---|---|---|",
            "| recordings (hours) | \(real.recordings) (\(f(real.hours, 2))) | \(simulated.recordings) (\(f(simulated.hours, 2))) |",
        ]
        for name in real.receivers.map(\.name) {
            guard let a = real.receivers.first(where: { $0.name == name }), let b = simulated.receivers.first(where: { $0.name == name }) else { continue }
            lines.append("| \(name) missing (when active) | \(f(a.missingRate, 2)) (\(f(a.missingRateWhenActive, 2))) | \(f(b.missingRate, 2)) (\(f(b.missingRateWhenActive, 2))) |")
            lines.append("| \(name) silent recordings | \(a.silentRecordings) | \(b.silentRecordings) |")
            lines.append("| \(name) RSSI mean ± std | \(f(a.mean)) ± \(f(a.std)) | \(f(b.mean)) ± \(f(b.std)) |")
            lines.append("| \(name) RSSI range | \(f(a.min, 0)) … \(f(a.max, 0)) | \(f(b.min, 0)) … \(f(b.max, 0)) |")
        }
        lines.append("| intervals | \(real.dwell.count) | \(simulated.dwell.count) |")
        lines.append("| dwell median (p10 – p90), s | \(f(real.dwell.median)) (\(f(real.dwell.p10)) – \(f(real.dwell.p90))) | \(f(simulated.dwell.median)) (\(f(simulated.dwell.p10)) – \(f(simulated.dwell.p90))) |")
        lines.append("| longest dwell, s | \(f(real.dwell.max, 0)) | \(f(simulated.dwell.max, 0)) |")
        for room in real.roomDwellMedian.keys.sorted() {
            lines.append("| \(room) median dwell, s | \(f(real.roomDwellMedian[room] ?? .nan)) | \(f(simulated.roomDwellMedian[room] ?? .nan)) |")
        }
        lines.append("| labelled fraction | \(f(real.labelledFraction, 3)) | \(f(simulated.labelledFraction, 3)) |")
        lines.append("| std of accel magnitude, hall/stairs vs other rooms (g) | \(f(real.accelMagnitudeStd.transit, 3)) / \(f(real.accelMagnitudeStd.other, 3)) | \(f(simulated.accelMagnitudeStd.transit, 3)) / \(f(simulated.accelMagnitudeStd.other, 3)) |")
        return lines.joined(separator: "\n")
    }
}
