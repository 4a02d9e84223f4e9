import Foundation
import Graph
import TinyNN
import TinyTensor

/// Frozen teachers answering as one: its logits are T·log((1/N) Σᵢ softmax(zᵢ/T)), so that the
/// distillation loss, which softens a teacher's logits by T, sees exactly the members' softened
/// probabilities averaged. Averaging probabilities rather than logits keeps a member that is sure
/// from outvoting the others by its scale alone.
public final class TeacherEnsemble: ClassifierModel {
    public let members: [ClassifierModel]
    public let temperature: Float
    private var output = Tensor([1, 1])

    public init(members: [ClassifierModel], temperature: Float) {
        precondition(!members.isEmpty, "an ensemble needs at least one teacher")
        precondition(temperature > 0, "the temperature must be positive")
        self.members = members
        self.temperature = temperature
    }

    public var kind: ModelKind { members[0].kind }
    public var parameters: [Parameter] { members.flatMap(\.parameters) }

    public func zeroInputWeights(reading features: [Int]) { members.forEach { $0.zeroInputWeights(reading: features) } }

    public func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor {
        // Each member returns its own buffer, so all of them stay valid side by side.
        let memberLogits = members.map { $0.forward(x, rows: rows, training: false) }
        let shape = memberLogits[0].shape, classes = shape[1]
        if output.shape != shape { output = Tensor(shape) }
        let t = Double(temperature), share = 1 / Double(members.count)
        var mean = [Double](repeating: 0, count: classes)
        for row in 0..<rows {
            for c in 0..<classes { mean[c] = 0 }
            for logits in memberLogits {
                let z = (0..<classes).map { Double(logits.data[row * classes + $0]) / t }
                let top = z.max()!
                let logSum = top + log(z.reduce(0) { $0 + exp($1 - top) })
                for c in 0..<classes { mean[c] += exp(z[c] - logSum) * share }
            }
            for c in 0..<classes { output.data[row * classes + c] = Float(t * log(mean[c])) }
        }
        return output
    }

    public func backward(_ dlogits: Tensor, rows: Int) {
        preconditionFailure("a teacher ensemble is frozen: it is never trained")
    }

    public func reseed(epoch: Int) {}

    /// Never exported: the ensemble exists only to teach.
    public func lowered(_ mode: ExecutionMode) -> Graph? { nil }
}
