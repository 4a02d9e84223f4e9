import Graph

extension Student {
    /// input [T, F] → embed + position table → L pre-LN blocks → LN → mean over steps → head.
    /// Windowed only (attention needs the whole window).
    public func lowered(_ mode: ExecutionMode) -> Graph? {
        guard mode == .windowed else { return nil }
        var g = Graph(name: kind.rawValue, mode: mode)
        let t = shape.steps, d = config.width, f = config.feedForward
        let x = g.tensor("input", rows: t, columns: shape.features, .input)
        let embedded = embed.lower(into: &g, "embed", layer: "embed", x, rows: t)
        let table = g.weight("pos.table", shape: [t, d], position.table.value.array)
        var h = g.apply(.addWeight(table), "pos", layer: "embed", [embedded], rows: t, columns: d, macs: t * d)
        for (l, block) in blocks.enumerated() {
            let layer = "block\(l)"
            let n1 = block.norm1.lower(into: &g, "\(layer).ln1", layer: layer, h, rows: t)
            let qkv = block.qkv.lower(into: &g, "\(layer).qkv", layer: layer, n1, rows: t)
            let attended = g.apply(.attention(heads: config.heads, queries: nil), "\(layer).attn", layer: layer,
                                   [qkv.band(0, d), qkv.band(d, d), qkv.band(2 * d, d)], rows: t, columns: d, macs: 2 * t * t * d)
            let projected = block.projection.lower(into: &g, "\(layer).proj", layer: layer, attended, rows: t)
            let a = g.apply(.add, "\(layer).add1", layer: layer, [h, projected], rows: t, columns: d)
            let n2 = block.norm2.lower(into: &g, "\(layer).ln2", layer: layer, a, rows: t)
            let expanded = block.expand.lower(into: &g, "\(layer).ff1", layer: layer, n2, rows: t)
            let activated = g.apply(.unary(.gelu), "\(layer).gelu", layer: layer, [expanded], rows: t, columns: f)
            let contracted = block.contract.lower(into: &g, "\(layer).ff2", layer: layer, activated, rows: t)
            h = g.apply(.add, "\(layer).add2", layer: layer, [a, contracted], rows: t, columns: d)
        }
        let normed = finalNorm.lower(into: &g, "ln_f", layer: "head", h, rows: t)
        let pooled = g.apply(.meanRows, "pool", layer: "head", [normed], rows: 1, columns: d, macs: t * d)
        _ = head.lower(into: &g, "head", layer: "head", pooled, rows: 1, role: .output)
        return g
    }
}
