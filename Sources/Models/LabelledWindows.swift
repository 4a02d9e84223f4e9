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
    /// For each receiver, how far its RSSI feature (the first of its `receiverFeatures`) moves for
    /// 1 dB: 1/60 on the fixed map, times the min/max scaler's factor when one is fitted. RSSI noise
    /// needs it; empty when the windows are never perturbed.
    public var rssiPerDB: [Float]

    /// `stepLabels` nil: every step carries its window's label.
    public init(x: [Float], labels: [Int], stepLabels: [Int]? = nil, steps: Int, features: Int, receiverFeatures: [[Int]] = [],
                rssiPerDB: [Float] = []) {
        precondition(x.count == labels.count * steps * features, "window data does not match its shape")
        precondition(stepLabels.map { $0.count == labels.count * steps } ?? true, "step labels do not match the windows")
        precondition(receiverFeatures.joined().allSatisfy { (0..<features).contains($0) }, "receiver feature index out of range")
        precondition(rssiPerDB.isEmpty || (rssiPerDB.count == receiverFeatures.count && receiverFeatures.allSatisfy { !$0.isEmpty }),
                     "one dB scale per receiver, each receiver with its RSSI feature first")
        self.x = x
        self.labels = labels
        self.stepLabels = stepLabels ?? labels.flatMap { Array(repeating: $0, count: steps) }
        self.steps = steps
        self.features = features
        self.receiverFeatures = receiverFeatures
        self.rssiPerDB = rssiPerDB
    }

    public var count: Int { labels.count }
    public var windowSize: Int { steps * features }

    /// The features that are 0 at every step of every window (a receiver never heard).
    public var silentFeatures: [Int] { Models.silentFeatures(x, features: features) }

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

    /// RSSI noise: adds σ·N(0, 1) dB to every heard RSSI reading (one per step and receiver) of the
    /// first `rows` windows of `batch`, so a model does not lean on a receiver's exact level, which
    /// shifts between recordings. A silent reading (0, the floor) stays silent; heard-rates and the
    /// accelerometer are left as they are. σ = 0 draws nothing, leaving `rng` as it was.
    public func perturbRSSI(in batch: Tensor, rows: Int, sigmaDB: Float, rng: inout SeededRNG) {
        guard sigmaDB > 0 else { return }
        precondition(rssiPerDB.count == receiverFeatures.count, "RSSI noise needs each receiver's dB scale")
        for row in 0..<rows {
            let window = batch.data + row * windowSize
            for (group, perDB) in zip(receiverFeatures, rssiPerDB) {
                let spread = sigmaDB * perDB
                for step in 0..<steps {
                    let index = step * features + group[0]
                    if window[index] != 0 { window[index] += spread * rng.normal() }
                }
            }
        }
    }
}
