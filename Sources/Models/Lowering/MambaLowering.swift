import Graph

extension Mamba {
    /// input [T, F] (windowed) or [1, F] (streaming) → embed → L blocks → RMSNorm → pool → head.
    ///
    /// Per block: RMSNorm → in_proj [rows, 2E] whose halves u and z are column bands (views) →
    /// depthwise causal conv on u → SiLU → x_proj [rows, R + 2N] whose bands are δ, B, C →
    /// dt_proj on δ → softplus → scan → y ⊙ SiLU(z) → out_proj → residual add.
    /// Streaming keeps per block the conv history ((k−1)·E) and the state h (E·N) as persistent
    /// tensors, and `mean` pooling a running sum (d); nothing depends on T.
    public func lowered(_ mode: ExecutionMode) -> Graph? {
        let c = config
        let rows = mode == .windowed ? shape.steps : 1
        let d = c.width, e = c.inner, n = c.stateSize, r = c.rank, k = c.convKernel
        var g = Graph(name: kind.rawValue, mode: mode)
        let input = g.tensor("input", rows: rows, columns: shape.features, .input)
        var x = embed.lower(into: &g, "embed", layer: "embed", input, rows: rows)
        for (i, block) in blocks.enumerated() {
            let layer = "block\(i)"
            let normed = block.norm.lower(into: &g, "\(layer).norm", layer: layer, x, rows: rows)
            let xz = block.inProj.lower(into: &g, "\(layer).in_proj", layer: layer, normed, rows: rows)
            let convWeight = g.weight("\(layer).conv1d.weight", shape: [k, e], block.conv.weight.value.array)
            let convBias = g.weight("\(layer).conv1d.bias", shape: [e], block.conv.bias.value.array)
            let convOut = g.tensor("\(layer).conv1d.out", rows: rows, columns: e)
            var convInputs = [xz.band(0, e)], convOutputs = [convOut.tensor]
            var scanInputs: [Operand] = []
            if mode == .streaming {
                let history = g.tensor("\(layer).conv_state", rows: k - 1, columns: e, .persistent)
                convInputs.append(history)
                convOutputs.append(history.tensor)
            }
            g.op("\(layer).conv1d", layer: layer, .causalDepthwiseConv(weight: convWeight, bias: convBias), inputs: convInputs,
                 outputs: convOutputs, macs: rows * k * e)
            let us = g.apply(.unary(.silu), "\(layer).conv_silu", layer: layer, [convOut], rows: rows, columns: e)
            let dbc = block.xProj.lower(into: &g, "\(layer).x_proj", layer: layer, us, rows: rows)
            let dt = block.dtProj.lower(into: &g, "\(layer).dt_proj", layer: layer, dbc.band(0, r), rows: rows)
            let delta = g.apply(.unary(.softplus), "\(layer).softplus", layer: layer, [dt], rows: rows, columns: e)
            let aLog = g.weight("\(layer).A_log", shape: [e, n], block.scan.aLog.value.array)
            let skip = g.weight("\(layer).D", shape: [e], block.scan.d.value.array)
            let y = g.tensor("\(layer).scan.out", rows: rows, columns: e)
            scanInputs = [us, delta, dbc.band(r, n), dbc.band(r + n, n)]
            var scanOutputs = [y.tensor]
            if mode == .streaming {
                let state = g.tensor("\(layer).h", rows: e, columns: n, .persistent)
                scanInputs.append(state)
                scanOutputs.append(state.tensor)
            }
            g.op("\(layer).scan", layer: layer, .selectiveScan(aLog: aLog, d: skip), inputs: scanInputs, outputs: scanOutputs,
                 macs: rows * e * (3 * n + 1))
            let gate = g.apply(.unary(.silu), "\(layer).gate_silu", layer: layer, [xz.band(e, e)], rows: rows, columns: e)
            let gated = g.apply(.mul, "\(layer).gate", layer: layer, [y, gate], rows: rows, columns: e, macs: rows * e)
            let projected = block.outProj.lower(into: &g, "\(layer).out_proj", layer: layer, gated, rows: rows)
            x = g.apply(.add, "\(layer).add", layer: layer, [x, projected], rows: rows, columns: d)
        }
        let normed = norm.lower(into: &g, "norm", layer: "head", x, rows: rows)
        var pooled = normed
        switch (c.pooling, mode) {
        case (.mean, .windowed):
            pooled = g.apply(.meanRows, "pool", layer: "head", [normed], rows: 1, columns: d, macs: rows * d)
        case (.last, .windowed):
            pooled = g.apply(.lastRow, "pool", layer: "head", [normed], rows: 1, columns: d)
        case (.mean, .streaming):
            let sum = g.tensor("pool.sum", rows: 1, columns: d, .persistent)
            let out = g.tensor("pool.out", rows: 1, columns: d)
            g.op("pool", layer: "head", .runningMean(steps: shape.steps), inputs: [normed, sum], outputs: [out.tensor, sum.tensor],
                 macs: 2 * d)
            pooled = out
        case (.last, .streaming):
            // The step's normed output is the pooled vector: nothing to keep.
            break
        }
        _ = head.lower(into: &g, "head", layer: "head", pooled, rows: 1, role: .output)
        return g
    }
}
