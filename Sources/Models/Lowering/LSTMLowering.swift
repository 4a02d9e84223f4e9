import Graph

extension LSTMClassifier {
    /// input [T, F] → LSTM (every h_t [T, H]) → last row [1, H] → head → logits [1, C]. Windowed only.
    public func lowered(_ mode: ExecutionMode) -> Graph? {
        guard mode == .windowed else { return nil }
        var g = Graph(name: kind.rawValue, mode: mode)
        let t = shape.steps, h = config.hidden
        let x = g.tensor("input", rows: t, columns: shape.features, .input)
        let wx = g.weight("lstm.inputWeight", shape: [shape.features, 4 * h], lstm.inputWeight.value.array)
        let wh = g.weight("lstm.recurrentWeight", shape: [h, 4 * h], lstm.recurrentWeight.value.array)
        let b = g.weight("lstm.bias", shape: [4 * h], lstm.bias.value.array)
        let states = g.apply(.lstm(inputWeight: wx, recurrentWeight: wh, bias: b), "lstm", layer: "lstm", [x], rows: t, columns: h,
                             macs: t * (shape.features + h) * 4 * h)
        let last = g.apply(.lastRow, "lstm.last", layer: "lstm", [states], rows: 1, columns: h)
        _ = head.lower(into: &g, "head", layer: "head", last, rows: 1, role: .output)
        return g
    }
}
