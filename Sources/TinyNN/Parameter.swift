import TinyTensor

/// A trainable tensor and the gradient that backward passes accumulate into it.
public final class Parameter {
    public let name: String
    public let value: Tensor
    public let grad: Tensor

    public init(name: String, shape: [Int]) {
        self.name = name
        self.value = Tensor(shape)
        self.grad = Tensor(shape)
    }

    public var count: Int { value.count }

    /// Sets rows of a [rows, columns] weight to zero.
    public func zeroRows(_ rows: [Int]) {
        let columns = value.shape.dropFirst().reduce(1, *)
        for row in rows { (value.data + row * columns).update(repeating: 0, count: columns) }
    }
}

/// Reusable activation storage: a tensor whose leading dimension (rows) may vary per call up to a
/// capacity. It grows only when a larger batch arrives, so the step loop does not allocate.
public struct ActivationBuffer {
    public private(set) var tensor: Tensor
    public let rowWidth: Int

    public init(rowWidth: Int) {
        self.rowWidth = rowWidth
        self.tensor = Tensor([0, rowWidth])
    }

    /// The storage for `rows` rows, reallocated only if `rows` exceeds what is held.
    public mutating func reserve(rows: Int) -> Tensor {
        if tensor.count < rows * rowWidth { tensor = Tensor([rows, rowWidth]) }
        return tensor
    }
}
