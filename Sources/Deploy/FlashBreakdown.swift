import Compression

/// The read-only bytes an int8 MLP puts in flash, item by item.
///
/// Stored as the C export lays them out (constant arrays, so no conversion at start-up):
/// per layer, int8 weights in·out B; int32 bias 4·out B; per-channel Q31 multiplier 4·out B and
/// shift 4·out B (int32, like TFLite Micro's per-channel arrays); the layer's output tensor
/// scale (float32) + zero point (int32) 8 B. Once per model, the input tensor's scale + zero point
/// 8 B. The float per-channel weight scales are folded into the multipliers and not stored.
/// Code size (kernels, runtime) is not counted.
public struct FlashBreakdown: Sendable, Codable, Equatable {
    public enum Item: String, Sendable, Codable, CaseIterable {
        case weights, bias, channelMultipliers, channelShifts, tensorQuantization
    }

    public struct Entry: Sendable, Codable, Equatable {
        /// The layer, or "input" for the model's input tensor parameters.
        public var owner: String
        public var item: Item
        public var bytes: Int
    }

    public var entries: [Entry]

    public var totalBytes: Int { entries.reduce(0) { $0 + $1.bytes } }

    public func bytes(owner: String) -> Int { entries.filter { $0.owner == owner }.reduce(0) { $0 + $1.bytes } }
    public func bytes(item: Item) -> Int { entries.filter { $0.item == item }.reduce(0) { $0 + $1.bytes } }

    public init(_ model: QuantizedMLP) {
        let tensorParameterBytes = MemoryLayout<Float32>.size + MemoryLayout<Int32>.size
        var entries = [Entry(owner: "input", item: .tensorQuantization, bytes: tensorParameterBytes)]
        for layer in model.layers {
            let channels = layer.outFeatures
            entries += [
                Entry(owner: layer.name, item: .weights, bytes: layer.inFeatures * channels * MemoryLayout<Int8>.size),
                Entry(owner: layer.name, item: .bias, bytes: channels * MemoryLayout<Int32>.size),
                Entry(owner: layer.name, item: .channelMultipliers, bytes: channels * MemoryLayout<Int32>.size),
                Entry(owner: layer.name, item: .channelShifts, bytes: channels * MemoryLayout<Int32>.size),
                Entry(owner: layer.name, item: .tensorQuantization, bytes: tensorParameterBytes),
            ]
        }
        self.entries = entries
    }
}
