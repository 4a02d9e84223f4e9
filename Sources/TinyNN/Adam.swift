import Foundation
import TinyTensor

/// Adam (Kingma & Ba): m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// θ ← θ − lr · m̂ / (√v̂ + ε) with bias corrections m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
/// Optional decoupled weight decay (AdamW): θ ← θ − lr·λ·θ.
public final class Adam {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    /// First and second moment estimates, one per parameter, in `parameters` order.
    public let firstMoments: [Tensor]
    public let secondMoments: [Tensor]
    public private(set) var step: Int = 0

    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor($0.value.shape) }
        secondMoments = parameters.map { Tensor($0.value.shape) }
        parameterStarts = parameters.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    }

    /// Where each parameter starts in the concatenation of all of them; the last entry is the total.
    private let parameterStarts: [Int]

    public func zeroGradients() {
        let parameters = parameters
        forEachSlice { index, range in (parameters[index].grad.data + range.lowerBound).update(repeating: 0, count: range.count) }
    }

    /// All parameters' elements as one range, split over the cores: `body` gets each parameter's
    /// part of a thread's slice. Element-wise work, so the split does not change any result.
    private func forEachSlice(_ body: @escaping (_ index: Int, _ range: Range<Int>) -> Void) {
        let starts = parameterStarts
        parallelRanges(count: starts.last!, minimumPerThread: 65_536) { slice in
            var index = starts.lastIndex { $0 <= slice.lowerBound }!
            while index < starts.count - 1 && starts[index] < slice.upperBound {
                let lower = Swift.max(slice.lowerBound, starts[index]) - starts[index]
                let upper = Swift.min(slice.upperBound, starts[index + 1]) - starts[index]
                if lower < upper { body(index, lower..<upper) }
                index += 1
            }
        }
    }


    /// Applies one update from the accumulated gradients.
    public func update() {
        step += 1
        let correction1 = 1 - powf(beta1, Float(step))
        let correction2 = 1 - powf(beta2, Float(step))
        let stepSize = learningRate / correction1
        let decay = 1 - learningRate * weightDecay
        let (parameters, first, second) = (parameters, firstMoments, secondMoments)
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        forEachSlice { index, range in
            // Eight lanes at a time (`VectorKernels.adam`, AVX2+FMA where the CPU has it).
            let p = parameters[index], offset = range.lowerBound
            VectorKernels.adam(count: range.count, theta: p.value.data + offset, grad: p.grad.data + offset,
                               m: first[index].data + offset, v: second[index].data + offset, beta1: beta1, beta2: beta2,
                               stepSize: stepSize, correction2: correction2, epsilon: epsilon, decay: decay)
        }
    }

    /// Restores the optimizer after a resume: moments and step count as they were saved.
    public func restore(step: Int, first: [[Float]], second: [[Float]]) {
        precondition(first.count == parameters.count && second.count == parameters.count)
        self.step = step
        for i in parameters.indices {
            precondition(first[i].count == parameters[i].count && second[i].count == parameters[i].count)
            first[i].withUnsafeBufferPointer { firstMoments[i].data.update(from: $0.baseAddress!, count: $0.count) }
            second[i].withUnsafeBufferPointer { secondMoments[i].data.update(from: $0.baseAddress!, count: $0.count) }
        }
    }
}
