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
    }

    public func zeroGradients() {
        for p in parameters { p.grad.zero() }
    }

    /// Applies one update from the accumulated gradients.
    public func update() {
        step += 1
        let correction1 = 1 - powf(beta1, Float(step))
        let correction2 = 1 - powf(beta2, Float(step))
        let stepSize = learningRate / correction1
        let decay = 1 - learningRate * weightDecay
        for (index, p) in parameters.enumerated() {
            // Eight lanes at a time (`VectorKernels.adam`, AVX2+FMA where the CPU has it).
            VectorKernels.adam(count: p.count, theta: p.value.data, grad: p.grad.data, m: firstMoments[index].data,
                               v: secondMoments[index].data, beta1: beta1, beta2: beta2, stepSize: stepSize,
                               correction2: correction2, epsilon: epsilon, decay: decay)
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
