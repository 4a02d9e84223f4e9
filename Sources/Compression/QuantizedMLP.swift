import Models

/// An int8 chain of dense layers, converted from float layers plus calibration data.
///
/// Layer k's input quantization is layer k − 1's output quantization, so activations flow
/// between layers as int8 without any rescaling step. Float appears only at the two boundaries:
/// `quantizeInput` before the chain and `dequantizeOutput` after it.
public struct QuantizedMLP: Sendable, Codable, Equatable {
    public var layers: [QuantizedDenseLayer]

    public var inFeatures: Int { layers[0].inFeatures }
    public var outFeatures: Int { layers[layers.count - 1].outFeatures }
    public var inputQuantization: AffineQuantization { layers[0].input }
    public var outputQuantization: AffineQuantization { layers[layers.count - 1].output }

    public init(layers: [QuantizedDenseLayer]) {
        precondition(!layers.isEmpty, "empty chain")
        for (previous, next) in zip(layers, layers.dropFirst()) {
            precondition(previous.outFeatures == next.inFeatures && previous.output == next.input,
                         "\(previous.name) → \(next.name): shapes or quantization do not chain")
        }
        self.layers = layers
    }

    /// Post-training quantization: calibrate activation ranges with the float chain over
    /// `calibration` (whole rows of `float[0].inFeatures`), then convert every layer.
    public init(converting float: [DenseLayerParameters], calibration: [Float]) {
        let ranges = ActivationCalibration(layers: float, rows: calibration).ranges
        let quantizations = ranges.map { AffineQuantization(min: $0.lowerBound, max: $0.upperBound) }
        self.init(layers: float.indices.map {
            QuantizedDenseLayer(converting: float[$0], input: quantizations[$0], output: quantizations[$0 + 1])
        })
    }

    public func quantizeInput(_ x: [Float]) -> [Int8] { x.map(inputQuantization.quantize) }

    public func dequantizeOutput(_ q: [Int8]) -> [Float] { q.map(outputQuantization.dequantize) }

    /// Integer-only forward; returns every layer's int8 output (the last one is the logits).
    public func forwardAll(_ x: [Int8], batch: Int) -> [[Int8]] {
        var outputs: [[Int8]] = []
        var activations = x
        for layer in layers {
            activations = layer.forward(activations, batch: batch)
            outputs.append(activations)
        }
        return outputs
    }

    /// Integer-only forward: int8 input rows in, int8 logits out.
    public func forward(_ x: [Int8], batch: Int) -> [Int8] {
        layers.reduce(x) { $1.forward($0, batch: batch) }
    }
}
