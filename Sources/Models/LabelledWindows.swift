import TinyTensor

/// Windows ready for a model: x is [count, steps, features] row-major, one room label per window
/// and one per step (what a CRF trains on).
public struct LabelledWindows: Sendable {
    public var x: [Float]
    public var labels: [Int]
    /// `stepLabels[w·steps + t]`.
    public var stepLabels: [Int]
    public var steps: Int
    public var features: Int
    /// For each receiver, the feature indices that carry it (its RSSI and its heard-rate); a
    /// receiver that heard nothing has 0 in all of them. Receiver dropout silences these.
    public var receiverFeatures: [[Int]]

    /// `stepLabels` nil: every step carries its window's label.
    public init(x: [Float], labels: [Int], stepLabels: [Int]? = nil, steps: Int, features: Int, receiverFeatures: [[Int]] = []) {
        precondition(x.count == labels.count * steps * features, "window data does not match its shape")
        precondition(stepLabels.map { $0.count == labels.count * steps } ?? true, "step labels do not match the windows")
        precondition(receiverFeatures.joined().allSatisfy { (0..<features).contains($0) }, "receiver feature index out of range")
        self.x = x
        self.labels = labels
        self.stepLabels = stepLabels ?? labels.flatMap { Array(repeating: $0, count: steps) }
        self.steps = steps
        self.features = features
        self.receiverFeatures = receiverFeatures
    }

    public var count: Int { labels.count }
    public var windowSize: Int { steps * features }

    /// Copies the windows at `indices` into the first rows of `batch`.
    public func gather(_ indices: ArraySlice<Int>, into batch: Tensor) {
        x.withUnsafeBufferPointer { source in
            for (row, index) in indices.enumerated() {
                (batch.data + row * windowSize).update(from: source.baseAddress! + index * windowSize, count: windowSize)
            }
        }
    }

    /// The step labels of the windows at `indices`, window after window.
    public func stepLabels(_ indices: ArraySlice<Int>) -> [Int] {
        indices.flatMap { stepLabels[($0 * steps)..<(($0 + 1) * steps)] }
    }

    /// Receiver dropout: in each of the first `rows` windows of `batch`, silences every receiver
    /// with probability p for the whole window, as if it had heard nothing — so a model learns to
    /// cope with a receiver that is missing for a whole recording at test time.
    public func silenceReceivers(in batch: Tensor, rows: Int, probability: Float, rng: inout SeededRNG) {
        guard probability > 0 else { return }
        for row in 0..<rows {
            for group in receiverFeatures where rng.uniform() < probability {
                let window = batch.data + row * windowSize
                for step in 0..<steps {
                    for feature in group { window[step * features + feature] = 0 }
                }
            }
        }
    }
}
