/// Hyper-parameters of the Mamba classifier (MODELS.md, "Mamba"), as stored in session.json.
///
/// d = `width`, N = `stateSize`, E = expand·d (`inner`), k = `convKernel`, R = ⌈d/16⌉ (`rank`),
/// L = `blocks`. Missing keys decode to the `mamba` preset's values, so a partial config works.
public struct MambaConfig: Codable, Sendable, Equatable {
    /// How the block outputs become one vector per window.
    public enum Pooling: String, Codable, Sendable, CaseIterable {
        /// Mean over the T steps (the default).
        case mean
        /// The last step's output only (the whole streaming model is then constant in T).
        case last
    }

    public var width: Int
    public var stateSize: Int
    public var expand: Int
    public var convKernel: Int
    public var blocks: Int
    public var pooling: Pooling

    public init(width: Int = 16, stateSize: Int = 8, expand: Int = 2, convKernel: Int = 4, blocks: Int = 2,
                pooling: Pooling = .mean) {
        self.width = width
        self.stateSize = stateSize
        self.expand = expand
        self.convKernel = convKernel
        self.blocks = blocks
        self.pooling = pooling
    }

    /// `mamba`: d 16, N 8, expand 2, k 4, L 2.
    public static let mamba = MambaConfig()
    /// `mamba-wide`: d 32, N 16 (expand 2, k 4, L 2).
    public static let wide = MambaConfig(width: 32, stateSize: 16)

    /// E = expand · d.
    public var inner: Int { expand * width }
    /// R = ⌈d / 16⌉, the width of Δ before dt_proj.
    public var rank: Int { (width + 15) / 16 }

    private enum CodingKeys: String, CodingKey {
        case width, stateSize, expand, convKernel, blocks, pooling
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let preset = MambaConfig.mamba
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? preset.width
        stateSize = try c.decodeIfPresent(Int.self, forKey: .stateSize) ?? preset.stateSize
        expand = try c.decodeIfPresent(Int.self, forKey: .expand) ?? preset.expand
        convKernel = try c.decodeIfPresent(Int.self, forKey: .convKernel) ?? preset.convKernel
        blocks = try c.decodeIfPresent(Int.self, forKey: .blocks) ?? preset.blocks
        pooling = try c.decodeIfPresent(Pooling.self, forKey: .pooling) ?? preset.pooling
    }
}
