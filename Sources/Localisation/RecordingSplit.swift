import Foundation
import TinyTensor

/// Which recordings train, validate and test a model. Splits are by whole recording: neighbouring
/// windows overlap, so shuffling windows across splits would leak the test set into training.
public struct RecordingSplit: Codable, Sendable, Equatable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The last `test` recordings test, the `validation` before them validate, the rest train;
    /// with a seed the recordings are shuffled first (Fisher–Yates on `SeededRNG(seed)`).
    public init(recordings: Int, validation: Int = 1, test: Int = 1, seed: UInt64? = nil) {
        precondition(validation >= 0 && test >= 0 && validation + test < recordings, "need at least one training recording")
        var order = Array(0..<recordings)
        if let seed {
            var rng = SeededRNG(seed: seed)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
        }
        let trainCount = recordings - validation - test
        train = Array(order[0..<trainCount]).sorted()
        self.validation = Array(order[trainCount..<(trainCount + validation)]).sorted()
        self.test = Array(order[(trainCount + validation)...]).sorted()
    }

    /// Problems that make the split unusable: an index out of range or a recording in two parts.
    public func problems(recordingCount: Int) -> [String] {
        var out: [String] = []
        let all = train + validation + test
        if let bad = all.first(where: { $0 < 0 || $0 >= recordingCount }) { out.append("recording \(bad) does not exist (\(recordingCount) recordings)") }
        if Set(all).count != all.count { out.append("a recording is in more than one part") }
        if train.isEmpty { out.append("no training recording") }
        return out
    }
}

extension RecordingSplit {
    /// The split used when none is named: validation and test are the last two recordings that hear
    /// exactly the receivers most recordings hear; every other recording trains.
    ///
    /// A model learns which receivers exist from its training recordings. A held-out recording that
    /// misses one of them (SPHERE 00006: Lounge_AP silent) or hears one training rarely or never
    /// heard (00007: Study_AP) measures that surprise, not how well rooms are told apart; such
    /// recordings train instead, where they teach the model to cope. With fewer than three typical
    /// recordings there is nothing to choose from, and the last two are held out as before.
    public struct Default: Sendable, Equatable {
        /// A recording whose receivers differ from the usual set: which it misses and which it adds.
        public struct Atypical: Sendable, Equatable {
            public var recording: String
            public var missing: [String]
            public var extra: [String]
        }

        public var split: RecordingSplit
        /// The receivers most recordings hear (in the data set's order).
        public var usualReceivers: [String]
        /// Recordings that hear another set of receivers and were therefore not held out.
        public var atypical: [Atypical]
        /// False when fewer than three recordings hear the usual set and the last two were held out regardless.
        public var heldOutAreTypical: Bool
    }

    public static func byReceiverCoverage(_ coverage: [ReceiverCoverage]) -> Default {
        let n = coverage.count
        precondition(n >= 3, "a split by recording needs at least 3 recordings")
        let heard = coverage.map { Set($0.receivers.filter { $0.heardRate > 0 }.map(\.name)) }
        let usual = heard.max { a, b in heard.filter { $0 == a }.count < heard.filter { $0 == b }.count } ?? []
        let typical = coverage.indices.filter { heard[$0] == usual }
        let heldOutAreTypical = typical.count >= 3
        let heldOut = heldOutAreTypical ? Array(typical.suffix(2)) : [n - 2, n - 1]
        let order = coverage[0].receivers.map(\.name)
        let atypical = coverage.indices.filter { heard[$0] != usual && !heldOut.contains($0) }.map { i in
            Default.Atypical(recording: coverage[i].recording, missing: order.filter { usual.contains($0) && !heard[i].contains($0) },
                             extra: order.filter { heard[i].contains($0) && !usual.contains($0) })
        }
        let split = RecordingSplit(train: (0..<n).filter { !heldOut.contains($0) }, validation: [heldOut[0]], test: [heldOut[1]])
        return Default(split: split, usualReceivers: order.filter(usual.contains), atypical: atypical,
                       heldOutAreTypical: heldOutAreTypical)
    }
}
