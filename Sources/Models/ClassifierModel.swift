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
