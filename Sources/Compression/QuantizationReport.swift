import Graph

/// How much one op lost in integers, measured rather than estimated.
///
/// Weight figures compare the float weights with their dequantized integer form (errors in units
/// of that channel's step, always within ±½ step: max-abs scaling never clips). Activation figures
/// compare the op's float output with the dequantized output of the integer graph on the same
/// windows, so they include the error carried in from earlier ops — what the next op actually
/// receives; errors are in units of the output step. SQNR nil means exact (no noise at all).
public struct LayerQuantizationReport: Sendable, Codable, Equatable {
    public var name: String
    /// The model layer the op belongs to.
    public var layer: String
    public var type: String
    /// The output tensor's bit width.
    public var bits: Int
    public var weightSQNR: Double?
    public var activationSQNR: Double?
    public var weightErrorHistogram: Histogram?
    public var activationErrorHistogram: Histogram

    /// Every op of `integer` on `windows`, against `float` (the graph it was made from).
    public static func measure(float: Graph, integer: IntegerGraph, windows: [[Float]], binCount: Int = 16,
                               rangeInSteps: Double = 2) throws -> [LayerQuantizationReport] {
        let floatRun = try FloatInterpreter(float), intRun = IntegerInterpreter(integer)
        var floatValues = [String: [Float]](), intValues = [String: [Float]]()
        for window in windows {
            floatRun.reset()
            intRun.reset()
            floatRun.run(window)
            intRun.run(intRun.quantizeInput(window))
            for op in integer.ops {
                let name = op.outputs[0]
                floatValues[name, default: []] += floatRun.values(of: name)
                intValues[name, default: []] += intRun.dequantize(intRun.values(of: name), tensor: name)
            }
        }
        let weights = Dictionary(uniqueKeysWithValues: float.weights.map { ($0.name, $0) })
        return integer.ops.map { op in
            let output = integer.tensor(op.outputs[0])!
            let step = Double(output.quantization.scale)
            var activation = Histogram(lowerBound: -rangeInSteps, upperBound: rangeInSteps, binCount: binCount)
            let reference = floatValues[output.name] ?? [], approximation = intValues[output.name] ?? []
            for (y, yq) in zip(reference, approximation) { activation.add((Double(yq) - Double(y)) / step) }
            var report = LayerQuantizationReport(
                name: op.name, layer: op.layer, type: op.kernel.typeName, bits: output.quantization.bits, weightSQNR: nil,
                activationSQNR: finite(signalToQuantizationNoiseRatio(signal: reference, approximation: approximation)),
                weightErrorHistogram: nil, activationErrorHistogram: activation)
            let floatOp = float.ops.first { $0.name == op.name }
            if let q = op.kernel.channelWeights, let name = floatOp?.kind.weightNames.first, let w = weights[name] {
                let dequantized = q.dequantized()
                var histogram = Histogram(lowerBound: -rangeInSteps, upperBound: rangeInSteps, binCount: binCount)
                for (index, (a, b)) in zip(w.values, dequantized).enumerated() {
                    histogram.add((Double(b) - Double(a)) / Double(q.scales[index % q.outFeatures]))
                }
                report.weightSQNR = finite(signalToQuantizationNoiseRatio(signal: w.values, approximation: dequantized))
                report.weightErrorHistogram = histogram
            }
            return report
        }
    }

    private static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
}

extension IntegerKernel {
    /// The per-channel weights of kernels with one main weight (the first the float op names).
    var channelWeights: SymmetricPerChannelWeights? {
        switch self {
        case .fullyConnected(let k): return k.weights
        case .depthwiseConv(let k): return k.weights
        case .conv1d(let k): return k.weights
        case .lstm(let k): return k.inputWeights
        default: return nil
        }
    }
}
