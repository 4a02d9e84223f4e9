import Foundation

/// The windows of each recording in time order: what the decoder sees as one stream. A gap in the
/// packets (where windowing skips ahead, docs/DATA.md) does not cut the stream: on SPHERE most such
/// gaps are 4–6 s, too short to change much, and cutting streams at every gap of more than 3 s gave
/// smaller gains (docs/RESULTS.md, "Temporal decoding").
public struct WindowRuns: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        /// Index into the data set's recordings.
        public var recording: Int
        /// Window indices in the set, in time order.
        public var windows: [Int]
    }
    public var runs: [Run]

    public init(recordingIndex: [Int], startTimes: [Double]) {
        precondition(recordingIndex.count == startTimes.count, "one start time per window")
        let order = recordingIndex.indices.sorted { (recordingIndex[$0], startTimes[$0], $0) < (recordingIndex[$1], startTimes[$1], $1) }
        var runs: [Run] = []
        for w in order {
            if let last = runs.last, last.recording == recordingIndex[w] {
                runs[runs.count - 1].windows.append(w)
            } else {
                runs.append(Run(recording: recordingIndex[w], windows: [w]))
            }
        }
        self.runs = runs
    }

    public init(_ windows: WindowSet) {
        self.init(recordingIndex: windows.recordingIndex, startTimes: windows.startTimes)
    }

    /// The labels of each run, in time order: what the transitions are counted on.
    public func labelRuns(_ labels: [Int]) -> [[Int]] { runs.map { $0.windows.map { labels[$0] } } }
}

/// The decoding stage after a classifier: window logits in, decoded rooms out, per recording, in
/// float and in the integer form the chip runs.
public struct TemporalDecoding: Sendable {
    public let transitions: RoomTransitions
    public let float: ViterbiDecoder
    public let integer: IntegerViterbi

    /// `classifierPrior`: the prior the classifier's posteriors carry; `emissionWeight`: w (see `ViterbiDecoder`).
    public init(transitions: RoomTransitions, classifierPrior: [Double], emissionWeight: Double = 1) {
        self.transitions = transitions
        float = ViterbiDecoder(transitions, classifierPrior: classifierPrior, emissionWeight: emissionWeight)
        integer = IntegerViterbi(converting: transitions, classifierPrior: classifierPrior, emissionWeight: emissionWeight)
    }

    public struct Decoded: Sendable, Equatable {
        /// Float decoder, per window of the set (same order as the logits).
        public var rooms: [Int]
        /// Integer decoder, per window.
        public var integerRooms: [Int]
        /// The back-pointer rows the chip must hold: the lag, or offline the longest recording minus one.
        public var backPointerRows: Int
    }

    /// `recordingNames` name the recordings in errors. A lag beyond a recording's windows is an
    /// error: its first decision would never be due.
    public func decode(logits: [Float], runs: WindowRuns, mode: DecodeMode, recordingNames: [String]) throws -> Decoded {
        let c = transitions.rooms.count
        let windowCount = runs.runs.reduce(0) { $0 + $1.windows.count }
        precondition(logits.count == windowCount * c, "\(logits.count) logits for \(windowCount) windows of \(c) rooms")
        try checkLag(mode, runs: runs, recordingNames: recordingNames)
        var rooms = [Int](repeating: 0, count: windowCount)
        var integerRooms = rooms
        var rows = 0
        for run in runs.runs {
            let runLogits = ArraySlice(run.windows.flatMap { logits[($0 * c)..<(($0 + 1) * c)] })
            let floatPath: [Int], integerPath: [Int]
            switch mode {
            case .none:
                floatPath = run.windows.map { w in
                    var best = 0
                    for j in 1..<c where logits[w * c + j] > logits[w * c + best] { best = j }
                    return best
                }
                integerPath = floatPath
            case .offline:
                floatPath = float.decodeOffline(logEmissions: float.logEmissions(logits: runLogits))
                integerPath = integer.decode(emissions: integer.quantizedEmissions(logits: runLogits), lag: run.windows.count - 1)
                rows = max(rows, run.windows.count - 1)
            case .lag(let lag):
                floatPath = float.decode(logEmissions: float.logEmissions(logits: runLogits), lag: lag)
                integerPath = integer.decode(emissions: integer.quantizedEmissions(logits: runLogits), lag: lag)
                rows = lag
            }
            for (k, w) in run.windows.enumerated() {
                rooms[w] = floatPath[k]
                integerRooms[w] = integerPath[k]
            }
        }
        return Decoded(rooms: rooms, integerRooms: integerRooms, backPointerRows: rows)
    }

    /// The integer decoder on an integer classifier's output codes (`scores[w·rooms + j]`), as the
    /// chip runs it after `tinyloc_predict`: per window of the set, in the set's order.
    public func decode(integerScores scores: [Int32], scoreScale: Float, runs: WindowRuns, mode: DecodeMode,
                       recordingNames: [String]) throws -> [Int] {
        let c = transitions.rooms.count, scaling = integer.scaling(scoreScale: scoreScale)
        precondition(scores.count == runs.runs.reduce(0) { $0 + $1.windows.count } * c, "one row of scores per window")
        try checkLag(mode, runs: runs, recordingNames: recordingNames)
        var rooms = [Int](repeating: 0, count: scores.count / c)
        for run in runs.runs {
            let runScores = run.windows.flatMap { scores[($0 * c)..<(($0 + 1) * c)] }
            let path: [Int]
            switch mode {
            case .none:
                path = run.windows.map { w in
                    var best = 0
                    for j in 1..<c where scores[w * c + j] > scores[w * c + best] { best = j }
                    return best
                }
            case .offline:
                path = integer.decode(emissions: integer.emissions(scores: runScores, scaling: scaling), lag: run.windows.count - 1)
            case .lag(let lag):
                path = integer.decode(emissions: integer.emissions(scores: runScores, scaling: scaling), lag: lag)
            }
            for (k, w) in run.windows.enumerated() { rooms[w] = path[k] }
        }
        return rooms
    }

    private func checkLag(_ mode: DecodeMode, runs: WindowRuns, recordingNames: [String]) throws {
        guard case .lag(let lag) = mode else { return }
        for run in runs.runs where lag > run.windows.count - 1 {
            throw TemporalDecodingError.lagBeyondRecording(lag: lag, recording: recordingNames[run.recording], windows: run.windows.count)
        }
    }
}
