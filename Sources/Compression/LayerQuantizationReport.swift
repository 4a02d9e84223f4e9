import Models

/// How much one layer lost in int8, measured rather than estimated.
///
/// Weight figures compare the float weights with their dequantized int8 form; errors are in
/// units of that channel's step Δ = scale[c] (always within ±½Δ: max-abs scaling never clips).
/// Activation figures compare layer k's float output with the dequantized int8 output of the
/// int8 chain on the same inputs, so they include the error carried in from earlier layers —
/// what the next layer actually receives; errors are in units of the output step Δ = s_y.
public struct LayerQuantizationReport: Sendable, Codable, Equatable {
    public var name: String
    public var weightSQNR: Double
    public var activationSQNR: Double
    public var weightErrorHistogram: Histogram
    public var activationErrorHistogram: Histogram
}

extension QuantizedMLP {
    /// Runs `float` and `self` side by side on `inputs` (whole rows of `inFeatures`, e.g. the
    /// calibration set) and reports each layer. Histograms span ±`rangeInSteps`·Δ in `binCount` bins.
    public func quantizationReport(
        float: [DenseLayerParameters], inputs: [Float], binCount: Int = 16, rangeInSteps: Double = 2
    ) -> [LayerQuantizationReport] {
        precondition(float.count == layers.count, "float and int8 chains differ in length")
        precondition(!inputs.isEmpty && inputs.count % inFeatures == 0, "inputs are not whole rows of \(inFeatures)")
        let batch = inputs.count / inFeatures
        let intOutputs = forwardAll(quantizeInput(inputs), batch: batch)
        var floatActivations = inputs
        return zip(float, layers).enumerated().map { k, pair in
            let (floatLayer, intLayer) = pair
            floatActivations = floatLayer.forward(floatActivations, batch: batch)

            let deqWeights = intLayer.weights.dequantized()
            var weightHistogram = Histogram(lowerBound: -rangeInSteps, upperBound: rangeInSteps, binCount: binCount)
            for (index, (w, wq)) in zip(floatLayer.weight, deqWeights).enumerated() {
                let step = Double(intLayer.weights.scales[index % intLayer.outFeatures])
                weightHistogram.add((Double(wq) - Double(w)) / step)
            }

            let deqOutputs = intOutputs[k].map(intLayer.output.dequantize)
            var activationHistogram = Histogram(lowerBound: -rangeInSteps, upperBound: rangeInSteps, binCount: binCount)
            let step = Double(intLayer.output.scale)
            for (y, yq) in zip(floatActivations, deqOutputs) { activationHistogram.add((Double(yq) - Double(y)) / step) }

            return LayerQuantizationReport(
                name: intLayer.name,
                weightSQNR: signalToQuantizationNoiseRatio(signal: floatLayer.weight, approximation: deqWeights),
                activationSQNR: signalToQuantizationNoiseRatio(signal: floatActivations, approximation: deqOutputs),
                weightErrorHistogram: weightHistogram,
                activationErrorHistogram: activationHistogram
            )
        }
    }
}
