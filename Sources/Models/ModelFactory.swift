/// Which model to build and its hyper-parameters, as stored in session.json.
public struct ModelConfig: Codable, Sendable, Equatable {
    public var kind: ModelKind
    public var mlp: MLP.Config

    public init(kind: ModelKind = .mlp, mlp: MLP.Config = .init()) {
        self.kind = kind
        self.mlp = mlp
    }

    public func build(shape: ModelShape, seed: UInt64) -> ClassifierModel {
        switch kind {
        case .mlp: return MLP(shape: shape, config: mlp, seed: seed)
        }
    }
}
