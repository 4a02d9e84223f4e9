import Graph

extension MLP {
    /// input [1, T·F] (a window read flat) → fc1 + ReLU → fc2 → logits [1, C]. Windowed only.
    public func lowered(_ mode: ExecutionMode) -> Graph? {
        guard mode == .windowed else { return nil }
        var g = Graph(name: kind.rawValue, mode: mode)
        let x = g.tensor("input", rows: 1, columns: shape.steps * shape.features, .input)
        let h = fc1.lower(into: &g, "fc1", layer: "fc1", x, rows: 1, relu: true)
        _ = fc2.lower(into: &g, "fc2", layer: "fc2", h, rows: 1, role: .output)
        return g
    }
}
