import Graph
import TinyNN

extension Teacher {
    /// input [T, F] → per modality (column bands of the input: RSSI first, accelerometer last)
    /// Linear·√d + PE (the √d folded into the Linear's weights and bias) → per branch k, per
    /// modality: [Q | K] = tanh(causal conv_k) as one conv with 2d outputs, attention(Q, K, V = e),
    /// residual + LayerNorm; the GRN fuses the modalities → interleave the branches [n·T, d] →
    /// attention over all tokens for the last n queries → conv (kernel n, stride n) → LayerNorm →
    /// head → logits [1, C]. Windowed only; a teacher with a CRF labels every step and has no
    /// single-window graph.
    public func lowered(_ mode: ExecutionMode) -> Graph? {
        guard mode == .windowed, crf == nil else { return nil }
        var g = Graph(name: kind.rawValue, mode: mode)
        let t = shape.steps, d = config.width, n = branches.count
        let input = g.tensor("input", rows: t, columns: shape.features, .input)
        let modalityNames = ["rssi", "accl"]
        let scale = Float(d).squareRoot()
        var offset = 0
        var embedded: [Operand] = []
        for (m, linear) in embeddings.enumerated() {
            let name = "embed.\(modalityNames[m])"
            let projected = g.linear(name, layer: "embed", input.band(offset, linear.inFeatures), rows: t,
                                     weight: linear.weight.value.array.map { $0 * scale },
                                     bias: linear.bias.value.array.map { $0 * scale },
                                     inFeatures: linear.inFeatures, outFeatures: d)
            offset += linear.inFeatures
            let table = (0..<(t * d)).map { SinusoidalPositionEncoding.value(step: $0 / d, dimension: $0 % d, width: d) }
            let pe = g.weight("\(name).pe", shape: [t, d], table)
            embedded.append(g.apply(.addWeight(pe), "\(name).pos", layer: "embed", [projected], rows: t, columns: d, macs: t * d))
        }
        var branchOutputs: [Operand] = []
        for (i, branch) in branches.enumerated() {
            let k = config.kernels[i], layer = "branch\(k)"
            var streams: [Operand] = []
            for (m, modality) in branch.modalities.enumerated() {
                let name = "\(layer).\(modalityNames[m])"
                let (q, key) = (modality.queryConv, modality.keyConv)
                // [k·d, 2d]: the query weight in the first d columns, the key weight in the last d.
                var weight = [Float](repeating: 0, count: k * d * 2 * d)
                let wq = q.weight.value.array, wk = key.weight.value.array
                for r in 0..<(k * d) {
                    for c in 0..<d {
                        weight[r * 2 * d + c] = wq[r * d + c]
                        weight[r * 2 * d + d + c] = wk[r * d + c]
                    }
                }
                let w = g.weight("\(name).qk.weight", shape: [k * d, 2 * d], weight)
                let b = g.weight("\(name).qk.bias", shape: [2 * d], q.bias.value.array + key.bias.value.array)
                let conv = g.apply(.conv1d(weight: w, bias: b, kernel: k, stride: 1, padding: k - 1), "\(name).qk", layer: layer,
                                   [embedded[m]], rows: t, columns: 2 * d, macs: t * k * d * 2 * d)
                let qk = g.apply(.unary(.tanh), "\(name).tanh", layer: layer, [conv], rows: t, columns: 2 * d)
                let attended = g.apply(.attention(heads: 1, queries: nil), "\(name).attn", layer: layer,
                                       [qk.band(0, d), qk.band(d, d), embedded[m]], rows: t, columns: d, macs: 2 * t * t * d)
                let residual = g.apply(.add, "\(name).add", layer: layer, [embedded[m], attended], rows: t, columns: d)
                streams.append(modality.norm.lower(into: &g, "\(name).norm", layer: layer, residual, rows: t))
            }
            let grn = branch.grn, h = grn.hidden
            var a = grn.fc1.lower(into: &g, "\(layer).grn.fc1", layer: layer, streams[0], rows: t)
            if let context = grn.context, streams.count > 1 {
                let c = context.lower(into: &g, "\(layer).grn.ctx", layer: layer, streams[1], rows: t)
                a = g.apply(.add, "\(layer).grn.add_ctx", layer: layer, [a, c], rows: t, columns: h)
            }
            let activated = g.apply(.unary(.elu), "\(layer).grn.elu", layer: layer, [a], rows: t, columns: h)
            let b = grn.fc2.lower(into: &g, "\(layer).grn.fc2", layer: layer, activated, rows: t)
            let vu = grn.gate.lower(into: &g, "\(layer).grn.gate", layer: layer, b, rows: t)
            let sigma = g.apply(.unary(.sigmoid), "\(layer).grn.sigmoid", layer: layer, [vu.band(d, d)], rows: t, columns: d)
            let glu = g.apply(.mul, "\(layer).grn.glu", layer: layer, [vu.band(0, d), sigma], rows: t, columns: d, macs: t * d)
            let residual = g.apply(.add, "\(layer).grn.add", layer: layer, [streams[0], glu], rows: t, columns: d)
            branchOutputs.append(grn.norm.lower(into: &g, "\(layer).grn.norm", layer: layer, residual, rows: t))
        }
        let tokens = g.apply(.interleaveRows, "fuse.interleave", layer: "fuse", branchOutputs, rows: n * t, columns: d)
        // Only the last step's logits are used, so only its n tokens ask (each attends to all n·T).
        let attended = g.apply(.attention(heads: 1, queries: n), "fuse.attn", layer: "fuse", [tokens, tokens, tokens], rows: n,
                               columns: d, macs: 2 * n * n * t * d)
        let conv = g.weight("fuse.conv.weight", shape: [n * d, d], fuseConv.weight.value.array)
        let convBias = g.weight("fuse.conv.bias", shape: [d], fuseConv.bias.value.array)
        let fused = g.apply(.conv1d(weight: conv, bias: convBias, kernel: n, stride: n, padding: 0), "fuse.conv", layer: "fuse",
                            [attended], rows: 1, columns: d, macs: n * d * d)
        let normed = fuseNorm.lower(into: &g, "fuse.norm", layer: "fuse", fused, rows: 1)
        _ = head.lower(into: &g, "head", layer: "head", normed, rows: 1, role: .output)
        return g
    }
}
