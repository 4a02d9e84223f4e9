import Foundation
import TinyTensor

/// Knowledge-distillation loss (Hinton et al.) over student logits z and teacher logits s [B, C]:
///
///     L = α·T²·(1/B) Σ_b KL(softmax(s_b/T) ‖ softmax(z_b/T)) + (1 − α)·CE(z, labels)
///
/// CE is `SoftmaxCrossEntropy` (with its optional class weights). The T² keeps the soft term's
/// gradient, α·T·(softmax(z/T) − softmax(s/T))/B, on the scale of the hard term's as T changes.
public final class DistillationLoss {
    public let classes: Int
    public let temperature: Float
    public let alpha: Float
    public let crossEntropy: SoftmaxCrossEntropy
    private var studentSoft: ActivationBuffer
    private var teacherSoft: ActivationBuffer
    private var inputGrad: ActivationBuffer

    public init(classes: Int, temperature: Float = 4, alpha: Float = 0.5) {
        precondition(temperature > 0 && (0...1).contains(alpha))
        self.classes = classes
        self.temperature = temperature
        self.alpha = alpha
        crossEntropy = SoftmaxCrossEntropy(classes: classes)
        studentSoft = ActivationBuffer(rowWidth: classes)
        teacherSoft = ActivationBuffer(rowWidth: classes)
        inputGrad = ActivationBuffer(rowWidth: classes)
    }

    /// Writes softmax(z/T) of one row into `p` and returns log Σ exp(z/T − max).
    private func softmax(_ z: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) -> (max: Float, logSum: Float) {
        var m = z[0] / temperature
        for c in 1..<classes { m = Swift.max(m, z[c] / temperature) }
        var sum: Float = 0
        for c in 0..<classes {
            p[c] = expf(z[c] / temperature - m)
            sum += p[c]
        }
        for c in 0..<classes { p[c] /= sum }
        return (m, logf(sum))
    }

    public func forward(_ logits: Tensor, teacher: Tensor, labels: [Int], rows: Int, classWeights: [Float]? = nil) -> Float {
        let hard = crossEntropy.forward(logits, labels: labels, rows: rows, classWeights: classWeights)
        let ps = studentSoft.reserve(rows: rows), pt = teacherSoft.reserve(rows: rows)
        var kl: Double = 0
        for r in 0..<rows {
            let z = logits.data + r * classes, s = teacher.data + r * classes
            let (zMax, zLog) = softmax(z, into: ps.data + r * classes)
            let (sMax, sLog) = softmax(s, into: pt.data + r * classes)
            for c in 0..<classes {
                let p = pt.data[r * classes + c]
                guard p > 0 else { continue }
                // log p_t − log p_s with both log-softmaxes written out, so tiny p_s do not underflow
                let logT = s[c] / temperature - sMax - sLog, logS = z[c] / temperature - zMax - zLog
                kl += Double(p * (logT - logS))
            }
        }
        let soft = Float(kl / Double(rows))
        return alpha * temperature * temperature * soft + (1 - alpha) * hard
    }

    public func backward(rows: Int) -> Tensor {
        let dHard = crossEntropy.backward(rows: rows)
        let ps = studentSoft.tensor, pt = teacherSoft.tensor
        let dz = inputGrad.reserve(rows: rows)
        let softScale = alpha * temperature / Float(rows)
        for i in 0..<(rows * classes) {
            dz.data[i] = softScale * (ps.data[i] - pt.data[i]) + (1 - alpha) * dHard.data[i]
        }
        return dz
    }
}
