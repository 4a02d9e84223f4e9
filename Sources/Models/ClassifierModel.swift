import Graph
import TinyNN
import TinyTensor

/// A network that maps a batch of windows [rows, T, F] to room logits [rows, C].
///
/// Each model owns its layers and their activation buffers; `forward` keeps what `backward`
/// needs, and `backward` accumulates into the parameters' gradients.
public protocol ClassifierModel: AnyObject {
    var kind: ModelKind { get }
    var parameters: [Parameter] { get }
    /// Logits for `rows` windows; the returned tensor is the model's own buffer.
    func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor
    /// Back-propagates dL/dlogits through the network (after a training-mode forward).
    func backward(_ dlogits: Tensor, rows: Int)
    /// Re-seeds any randomness used in training mode (dropout) for the given epoch.
    func reseed(epoch: Int)
    /// The trained model as the one graph form, at batch 1, for `mode`; nil when the family
    /// cannot run that way (or has no lowering yet).
    func lowered(_ mode: ExecutionMode) -> Graph?
    /// Zeroes every weight that multiplies one of `features` (indices into a step's F features), so
    /// those inputs no longer change the output.
    func zeroInputWeights(reading features: [Int])
}

extension ClassifierModel {
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// The model zoo's names, as used on the command line and in session files.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    case mlp
    case mamba
    case mambaWide = "mamba-wide"
    case teacher
    case teacherPaper = "teacher-paper"
    case student
    case studentTiny = "student-tiny"
    case cnn
    case lstm
}

/// The shape of the data a model is built for.
public struct ModelShape: Codable, Sendable, Equatable {
    public var steps: Int
    public var features: Int
    public var classes: Int
    public init(steps: Int, features: Int, classes: Int) {
        self.steps = steps
        self.features = features
        self.classes = classes
    }
}

/// A model that can also label every step of a window with a linear-chain CRF over per-step
/// emissions. When `labelsSteps` is on, the Trainer trains it on the CRF negative log-likelihood
/// of the step labels and it classifies a window by the majority room of its Viterbi path (ties
/// to the latest step), the same rule that labels the windows.
public protocol SequenceLabeller: ClassifierModel {
    var labelsSteps: Bool { get }
    /// After a training-mode forward of `batch` windows: the CRF NLL of `tags` [batch·T], back-
    /// propagated through the whole network.
    func crfStep(tags: [Int], batch: Int) -> Float
    /// After a forward of `batch` windows: the Viterbi labels [batch·T].
    func decodeSteps(batch: Int) -> [Int]
}

extension SequenceLabeller {
    /// Window rooms from the decoded paths: each window's majority room, ties to the latest step.
    func windowRooms(batch: Int, steps: Int, classes: Int) -> [Int] {
        let path = decodeSteps(batch: batch)
        var votes = [Int](repeating: 0, count: classes)
        return (0..<batch).map { b in
            let window = path[(b * steps)..<((b + 1) * steps)]
            for i in votes.indices { votes[i] = 0 }
            for room in window { votes[room] += 1 }
            let best = votes.max()!
            return window.reversed().first { votes[$0] == best }!
        }
    }
}

/// The sequence-labelling view of `model`, if it has a CRF and uses it.
func crfLabeller(_ model: ClassifierModel) -> SequenceLabeller? {
    guard let labeller = model as? SequenceLabeller, labeller.labelsSteps else { return nil }
    return labeller
}
