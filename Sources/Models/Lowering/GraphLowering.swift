import Graph
import TinyNN

/// How a trained model becomes the one graph form. A family joins compression, planning and
/// export by implementing `lowered(_:)`; nothing downstream asks which family it is.
extension ClassifierModel {
    /// Families without a lowering yet answer nil for every mode.
    public func lowered(_ mode: ExecutionMode) -> Graph? { nil }
}

extension Linear {
    /// Adds this layer as a FULLY_CONNECTED op reading `x` [rows, in].
    func lower(into g: inout Graph, _ name: String, layer: String, _ x: Operand, rows: Int, relu: Bool = false,
               flatten: Bool = false, role: GraphTensor.Role = .activation) -> Operand {
        g.linear(name, layer: layer, x, rows: rows, weight: weight.value.array, bias: hasBias ? bias.value.array : nil,
                 inFeatures: inFeatures, outFeatures: outFeatures, relu: relu, flatten: flatten, role: role)
    }
}

extension LayerNorm {
    func lower(into g: inout Graph, _ name: String, layer: String, _ x: Operand, rows: Int) -> Operand {
        g.layerNorm(name, layer: layer, x, rows: rows, columns: width, gamma: gamma.value.array, beta: beta.value.array,
                    epsilon: epsilon)
    }
}

extension RMSNorm {
    func lower(into g: inout Graph, _ name: String, layer: String, _ x: Operand, rows: Int) -> Operand {
        g.rmsNorm(name, layer: layer, x, rows: rows, columns: width, weight: weight.value.array, epsilon: epsilon)
    }
}
