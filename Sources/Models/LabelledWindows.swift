import TinyTensor

/// Windows ready for a model: x is [count, steps, features] row-major, one room label per window.
public struct LabelledWindows: Sendable {
    public var x: [Float]
    public var labels: [Int]
    public var steps: Int
    public var features: Int
    /// For each receiver, the feature indices that carry it (its RSSI and its heard-rate); a
    /// receiver that heard nothing has 0 in all of them. Receiver dropout silences these.
    public var receiverFeatures: [[Int]]

    public init(x: [Float], labels: [Int], steps: Int, features: Int, receiverFeatures: [[Int]] = []) {
        precondition(x.count == labels.count * steps * features, "window data does not match its shape")
        precondition(receiverFeatures.joined().allSatisfy { (0..<features).contains($0) }, "receiver feature index out of range")
        self.x = x
        self.labels = labels
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
