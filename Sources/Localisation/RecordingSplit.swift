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
