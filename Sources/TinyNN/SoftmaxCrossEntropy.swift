import Foundation
import TinyTensor

/// Mean softmax cross-entropy over rows: L = −(1/B) Σ_b log softmax(z_b)[label_b].
///
/// Keeps the probabilities for backward, where dL/dz_b = (softmax(z_b) − onehot(label_b)) / B.
/// Optional per-class weights w_c give L = −Σ_b w_{y_b} log p_b / Σ_b w_{y_b}.
public final class SoftmaxCrossEntropy {
    public let classes: Int
    private var probabilities: ActivationBuffer
    private var inputGrad: ActivationBuffer
    private var labels: [Int] = []
    private var rowWeights: [Float] = []
    private var weightSum: Float = 1

    public init(classes: Int) {
        self.classes = classes
        probabilities = ActivationBuffer(rowWidth: classes)
        inputGrad = ActivationBuffer(rowWidth: classes)
    }

    /// Returns the mean loss; `labels` has `rows` entries in 0..<classes.
    public func forward(_ logits: Tensor, labels: [Int], rows: Int, classWeights: [Float]? = nil) -> Float {
        precondition(labels.count >= rows)
        let p = probabilities.reserve(rows: rows)
        self.labels = Array(labels.prefix(rows))
        rowWeights = self.labels.map { classWeights?[$0] ?? 1 }
        weightSum = rowWeights.reduce(0, +)
        var loss: Double = 0
        for r in 0..<rows {
            let z = logits.data + r * classes
            let q = p.data + r * classes
            var maxLogit = z[0]
            for c in 1..<classes { maxLogit = Swift.max(maxLogit, z[c]) }
            var sum: Float = 0
            for c in 0..<classes {
                q[c] = expf(z[c] - maxLogit)
                sum += q[c]
            }
            let inv = 1 / sum
            for c in 0..<classes { q[c] *= inv }
            let label = self.labels[r]
            let logProb = (z[label] - maxLogit) - logf(sum)
            loss -= Double(rowWeights[r] * logProb)
        }
        return Float(loss / Double(weightSum))
    }

    public func backward(rows: Int) -> Tensor {
        let p = probabilities.tensor
        let dz = inputGrad.reserve(rows: rows)
        for r in 0..<rows {
            let scale = rowWeights[r] / weightSum
            for c in 0..<classes {
                let target: Float = c == labels[r] ? 1 : 0
                dz.data[r * classes + c] = (p.data[r * classes + c] - target) * scale
            }
        }
        return dz
    }
}
