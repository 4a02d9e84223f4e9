extension Mamba: ExecutionDescribing {
    /// Mamba at batch 1. Windowed, every activation has T rows and the scan keeps one h (E·N) as
    /// scratch while it walks the window. Streaming, rows are one step; per block h (E·N) and the
    /// conv history ((k−1)·E) persist, and `mean` pooling adds a running sum (d). Elementwise
    /// work is fused into the op producing its input, as a hand-written kernel would do it:
    /// SiLU into the conv, softplus into dt_proj, the gate y ⊙ SiLU(z) into the scan, the
    /// residual add into out_proj. The split of in_proj's output into u, z and of x_proj's into
    /// δ, B, C are views, not copies.
    ///
    /// MACs: FULLY_CONNECTED in·out per row; RMS_NORM 2d per row; conv k·E per row; scan
    /// (3N + 2)·E per row (decay, input, readout, D·u and gate); pooling d per row.
    public func executionGraph(_ mode: ExecutionMode) -> ExecutionGraph {
        let c = config
        let rows = mode == .windowed ? shape.steps : 1
        let d = c.width, e = c.inner, n = c.stateSize, r = c.rank, k = c.convKernel, f = shape.features
        var g = ExecutionGraph()
        var x = g.buffer("input", rows * f, .input)
        func fullyConnected(_ name: String, layer: String, type: String = "FULLY_CONNECTED", input: [String],
                            inCount: Int, outCount: Int) -> String {
            let out = g.buffer("\(name).out", rows * outCount)
            g.op(name, layer: layer, type: type, inputs: input, outputs: [out], macs: rows * inCount * outCount)
            return out
        }
        x = fullyConnected("embed", layer: "embed", input: [x], inCount: f, outCount: d)
        for i in 0..<c.blocks {
            let layer = "block\(i)"
            let normed = g.buffer("\(layer).norm.out", rows * d)
            g.op("\(layer).norm", layer: layer, type: "RMS_NORM", inputs: [x], outputs: [normed], macs: 2 * rows * d)
            let xz = fullyConnected("\(layer).in_proj", layer: layer, input: [normed], inCount: d, outCount: 2 * e)
            let us = g.buffer("\(layer).conv.out", rows * e)
            var convInputs = [xz], convOutputs = [us]
            let state: String
            switch mode {
            case .windowed:
                state = g.buffer("\(layer).h", e * n, .scratch)
            case .streaming:
                let history = g.buffer("\(layer).conv_state", (k - 1) * e, .persistent)
                convInputs.append(history)
                convOutputs.append(history)
                state = g.buffer("\(layer).h", e * n, .persistent)
            }
            g.op("\(layer).conv1d+silu", layer: layer, type: "CAUSAL_CONV1D", inputs: convInputs, outputs: convOutputs,
                 macs: rows * k * e)
            let dbc = fullyConnected("\(layer).x_proj", layer: layer, input: [us], inCount: e, outCount: r + 2 * n)
            let delta = fullyConnected("\(layer).dt_proj+softplus", layer: layer, input: [dbc], inCount: r, outCount: e)
            let y = g.buffer("\(layer).scan.out", rows * e)
            let scanMACs = rows * e * (3 * n + 2)
            switch mode {
            case .windowed:
                g.op("\(layer).scan+gate", layer: layer, type: "SELECTIVE_SCAN", inputs: [us, delta, dbc, xz], outputs: [y],
                     scratch: [state], macs: scanMACs)
            case .streaming:
                g.op("\(layer).scan+gate", layer: layer, type: "SELECTIVE_SCAN", inputs: [us, delta, dbc, xz, state],
                     outputs: [y, state], macs: scanMACs)
            }
            x = fullyConnected("\(layer).out_proj+add", layer: layer, input: [y, x], inCount: e, outCount: d)
        }
        let normed = g.buffer("norm.out", rows * d)
        g.op("norm", layer: "norm", type: "RMS_NORM", inputs: [x], outputs: [normed], macs: 2 * rows * d)
        var pooled = normed
        switch (c.pooling, mode) {
        case (.mean, .windowed):
            pooled = g.buffer("pool.out", d)
            g.op("pool", layer: "pool", type: "MEAN", inputs: [normed], outputs: [pooled], macs: rows * d)
        case (.last, .windowed):
            pooled = g.buffer("pool.out", d)
            g.op("pool", layer: "pool", type: "STRIDED_SLICE", inputs: [normed], outputs: [pooled])
        case (.mean, .streaming):
            let sum = g.buffer("pool.sum", d, .persistent)
            pooled = g.buffer("pool.out", d)
            g.op("pool", layer: "pool", type: "RUNNING_MEAN", inputs: [normed, sum], outputs: [sum, pooled], macs: 2 * d)
        case (.last, .streaming):
            // The last step's normed output is the pooled vector: nothing to keep.
            break
        }
        let logits = g.buffer("head.out", shape.classes, .output)
        g.op("head", layer: "head", type: "FULLY_CONNECTED", inputs: [pooled], outputs: [logits], macs: d * shape.classes)
        return g
    }
}
