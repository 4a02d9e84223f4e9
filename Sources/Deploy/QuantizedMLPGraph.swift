import Compression

extension MemoryGraph {
    /// The arena view of an int8 MLP at batch 1, shaped as TFLite Micro would run it.
    ///
    /// When `inputShape` is not already [1, inFeatures] (e.g. a [1, T, F] window), a RESHAPE
    /// flattens it first. TFLM gives a RESHAPE output its own buffer (the op copies), so the
    /// flattened copy is a separate tensor here too. Each dense layer is a FULLY_CONNECTED with
    /// in·out MACs writing an int8 tensor "<layer>.out"; the last is the graph output.
    public init(_ model: QuantizedMLP, inputShape: [Int]? = nil) {
        let flat = [1, model.inFeatures]
        let shape = inputShape ?? flat
        precondition(shape.reduce(1, *) == model.inFeatures, "input shape \(shape) is not \(model.inFeatures) values")
        var tensors = [MemoryTensor(name: "input", bytes: model.inFeatures, kind: .input)]
        var ops: [MemoryOp] = []
        var current = "input"
        if shape != flat {
            tensors.append(MemoryTensor(name: "input.flat", bytes: model.inFeatures, kind: .activation))
            ops.append(MemoryOp(name: "reshape", type: .reshape, inputs: [current], outputs: ["input.flat"]))
            current = "input.flat"
        }
        for (k, layer) in model.layers.enumerated() {
            let output = "\(layer.name).out"
            let kind: TensorKind = k == model.layers.count - 1 ? .output : .activation
            tensors.append(MemoryTensor(name: output, bytes: layer.outFeatures, kind: kind))
            ops.append(MemoryOp(name: layer.name, type: .fullyConnected, inputs: [current], outputs: [output],
                                macs: layer.inFeatures * layer.outFeatures))
            current = output
        }
        self.init(tensors: tensors, ops: ops)
    }
}
