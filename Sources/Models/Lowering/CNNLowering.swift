import Graph

extension CNN {
    /// input [T, F] → per stage a kernel-1 convolution (a FULLY_CONNECTED per row) + ReLU and
    /// MAX_POOL → head reading the last stage flat [1, T'·C] → logits [1, C]. Windowed only.
    public func lowered(_ mode: ExecutionMode) -> Graph? {
        guard mode == .windowed else { return nil }
        var g = Graph(name: kind.rawValue, mode: mode)
        var x = g.tensor("input", rows: shape.steps, columns: shape.features, .input)
        for (i, stage) in stages.enumerated() {
            let layer = "conv\(i + 1)", steps = stageSteps[i]
            let conv = stage.conv
            let y = g.linear(layer, layer: layer, x, rows: steps, weight: conv.weight.value.array, bias: conv.bias.value.array,
                             inFeatures: conv.inChannels, outFeatures: conv.outChannels, relu: true)
            x = g.apply(.maxPoolRows(size: config.pool), "\(layer).pool", layer: layer, [y], rows: stageSteps[i + 1],
                        columns: conv.outChannels)
        }
        _ = head.lower(into: &g, "head", layer: "head", x, rows: 1, flatten: true, role: .output)
        return g
    }
}
