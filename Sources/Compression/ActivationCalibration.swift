import Models

/// Min/max calibration of a dense-layer chain (TFLite's default post-training calibrator).
///
/// Runs the float layers over every calibration row and records the range of the chain's input
/// and of each layer's output *after* its activation, so a ReLU layer's range starts at 0 and its
/// int8 grid spends no codes on negative values it never emits.
public struct ActivationCalibration: Sendable, Equatable {
    /// ranges[0] is the chain input; ranges[k + 1] is the output of layer k.
    public var ranges: [ClosedRange<Float>]

    /// `rows` holds whole rows of `layers[0].inFeatures` values, concatenated.
    public init(layers: [DenseLayerParameters], rows: [Float]) {
        precondition(!layers.isEmpty, "no layers to calibrate")
        let width = layers[0].inFeatures
        precondition(!rows.isEmpty && rows.count % width == 0, "calibration data is not whole rows of \(width)")
        let batch = rows.count / width
        var activations = rows
        var ranges = [Self.range(of: activations)]
        for layer in layers {
            activations = layer.forward(activations, batch: batch)
            ranges.append(Self.range(of: activations))
        }
        self.ranges = ranges
    }

    private static func range(of values: [Float]) -> ClosedRange<Float> {
        var low = Float.infinity, high = -Float.infinity
        for v in values {
            precondition(v.isFinite, "non-finite activation during calibration")
            low = min(low, v)
            high = max(high, v)
        }
        return low...high
    }
}
