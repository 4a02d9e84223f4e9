/// Hyper-parameters of the MDCSA-style teacher (MODELS.md, "Teacher"), as stored in session.json.
public struct TeacherConfig: Codable, Sendable, Equatable {
    /// Model width d.
    public var width: Int
    /// Hidden width of the gated residual network, h = multiplier · d.
    public var grnMultiplier: Int = 4
    /// Kernel sizes of the parallel causal-convolution branches.
    public var kernels: [Int] = [1, 4, 7]
    public var attentionDropout: Float = 0.15
    public var headDropout: Float = 0.3
    /// The trailing input features that form the accelerometer modality (0: RSSI only). The
    /// windowing puts the 3 accelerometer axes last when the data has them.
    public var accelerometerFeatures: Int = 3
    /// Adds a linear-chain CRF over the per-step emissions (sequence labelling, Viterbi).
    public var crf: Bool = false

    public init(width: Int, grnMultiplier: Int = 4, kernels: [Int] = [1, 4, 7], attentionDropout: Float = 0.15,
                headDropout: Float = 0.3, accelerometerFeatures: Int = 3, crf: Bool = false) {
        self.width = width
        self.grnMultiplier = grnMultiplier
        self.kernels = kernels
        self.attentionDropout = attentionDropout
        self.headDropout = headDropout
        self.accelerometerFeatures = accelerometerFeatures
        self.crf = crf
    }

    /// `teacher`: d = 64.
    public static let teacher = TeacherConfig(width: 64)
    /// `teacher-paper`: d = 256, the size of the study's teacher.
    public static let paper = TeacherConfig(width: 256)
}
