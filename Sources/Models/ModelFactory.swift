/// Which model to build and its hyper-parameters, as stored in session.json.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var kind: ModelKind
    public var mlp: MLP.Config
    /// Mamba hyper-parameters; nil (and absent in older session files) means the kind's preset.
    public var mamba: MambaConfig? = nil
    /// Teacher, student, CNN and LSTM hyper-parameters; nil (absent in older files) means the kind's preset.
    public var teacher: TeacherConfig? = nil
    public var student: StudentConfig? = nil
    public var cnn: CNN.Config? = nil
    public var lstm: LSTMClassifier.Config? = nil

    public init(kind: ModelKind = .mlp, mlp: MLP.Config = .init()) {
        self.kind = kind
        self.mlp = mlp
    }

    /// Whether this kind can have a CRF head (sequence labelling): the teachers.
    public var canLabelSteps: Bool { kind == .teacher || kind == .teacherPaper }

    /// Whether the model trains on step labels with a CRF head.
    public var labelsSteps: Bool { canLabelSteps && teacher?.crf == true }

    /// Adds the CRF head to a teacher (see `canLabelSteps`).
    public mutating func addCRF() {
        precondition(canLabelSteps, "only the teachers have a CRF head")
        var config = teacher ?? (kind == .teacher ? .teacher : .paper)
        config.crf = true
        teacher = config
    }

    public func build(shape: ModelShape, seed: UInt64) -> ClassifierModel {
        switch kind {
        case .mlp: return MLP(shape: shape, config: mlp, seed: seed)
        case .mamba: return Mamba(kind: kind, shape: shape, config: mamba ?? .mamba, seed: seed)
        case .mambaWide: return Mamba(kind: kind, shape: shape, config: mamba ?? .wide, seed: seed)
        case .teacher: return Teacher(kind: kind, shape: shape, config: teacher ?? .teacher, seed: seed)
        case .teacherPaper: return Teacher(kind: kind, shape: shape, config: teacher ?? .paper, seed: seed)
        case .student: return Student(kind: kind, shape: shape, config: student ?? .student, seed: seed)
        case .studentTiny: return Student(kind: kind, shape: shape, config: student ?? .tiny, seed: seed)
        case .cnn: return CNN(shape: shape, config: cnn ?? .init(), seed: seed)
        case .lstm: return LSTMClassifier(shape: shape, config: lstm ?? .init(), seed: seed)
        }
    }
}
