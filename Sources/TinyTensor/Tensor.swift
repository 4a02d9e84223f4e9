/// A dense row-major Float buffer with a fixed shape.
///
/// A class (not a value type) so that layers can keep pointers into their activations across
/// forward and backward without copy-on-write checks in the hot loops. The storage is allocated
/// once, at creation, and never resized: layers size their buffers for a batch shape up front.
public final class Tensor {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    public init(_ shape: [Int], filledWith value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = .allocate(capacity: Swift.max(count, 1))
        data.initialize(repeating: value, count: Swift.max(count, 1))
    }

    public convenience init(_ shape: [Int], values: [Float]) {
        self.init(shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { data.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }
    public var array: [Float] { Array(buffer) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    public func zero() { data.update(repeating: 0, count: count) }
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy between shapes \(other.shape) and \(shape)")
        data.update(from: other.data, count: count)
    }
}
