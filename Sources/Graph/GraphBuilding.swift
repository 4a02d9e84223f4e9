/// Shorthands for lowerings: each adds the op's weights and its output tensor "<name>.out",
/// and returns that output as an operand, so a model's lowering reads as its forward pass.
extension Graph {
    /// y = x·W + b per row (W [in, out] input-major); `flatten` reads the whole input as one row.
    public mutating func linear(_ name: String, layer: String, _ x: Operand, rows: Int, weight: [Float], bias: [Float]?,
                                inFeatures: Int, outFeatures: Int, relu: Bool = false, flatten: Bool = false,
                                role: GraphTensor.Role = .activation) -> Operand {
        let w = self.weight("\(name).weight", shape: [inFeatures, outFeatures], weight)
        let b = bias.map { self.weight("\(name).bias", shape: [outFeatures], $0) }
        let outRows = flatten ? 1 : rows
        let y = tensor("\(name).out", rows: outRows, columns: outFeatures, role)
        op(name, layer: layer, .fullyConnected(weight: w, bias: b, relu: relu, flatten: flatten), inputs: [x],
           outputs: [y.tensor], macs: outRows * inFeatures * outFeatures)
        return y
    }

    /// An op of one output shaped [rows, columns] with no weights of its own.
    public mutating func apply(_ kind: OpKind, _ name: String, layer: String, _ inputs: [Operand], rows: Int, columns: Int,
                               macs: Int = 0, role: GraphTensor.Role = .activation) -> Operand {
        let y = tensor("\(name).out", rows: rows, columns: columns, role)
        op(name, layer: layer, kind, inputs: inputs, outputs: [y.tensor], macs: macs)
        return y
    }

    /// Per-row LayerNorm with its γ and β.
    public mutating func layerNorm(_ name: String, layer: String, _ x: Operand, rows: Int, columns: Int,
                                   gamma: [Float], beta: [Float], epsilon: Float) -> Operand {
        let g = weight("\(name).gamma", shape: [columns], gamma), b = weight("\(name).beta", shape: [columns], beta)
        return apply(.layerNorm(gamma: g, beta: b, epsilon: epsilon), name, layer: layer, [x], rows: rows, columns: columns,
                     macs: 4 * rows * columns)
    }

    /// Per-row RMSNorm with its weight.
    public mutating func rmsNorm(_ name: String, layer: String, _ x: Operand, rows: Int, columns: Int, weight w: [Float],
                                 epsilon: Float) -> Operand {
        let name_w = weight("\(name).weight", shape: [columns], w)
        return apply(.rmsNorm(weight: name_w, epsilon: epsilon), name, layer: layer, [x], rows: rows, columns: columns,
                     macs: 2 * rows * columns)
    }
}
