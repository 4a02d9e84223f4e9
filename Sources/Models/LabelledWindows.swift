import TinyTensor

/// Windows ready for a model: x is [count, steps, features] row-major, one room label per window.
public struct LabelledWindows: Sendable {
    public var x: [Float]
    public var labels: [Int]
    public var steps: Int
    public var features: Int

    public init(x: [Float], labels: [Int], steps: Int, features: Int) {
        precondition(x.count == labels.count * steps * features, "window data does not match its shape")
        self.x = x
        self.labels = labels
        self.steps = steps
        self.features = features
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
}
