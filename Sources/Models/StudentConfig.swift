/// Hyper-parameters of the pre-LN student transformer (MODELS.md, "Student"), as stored in session.json.
public struct StudentConfig: Codable, Sendable, Equatable {
    /// Model width d.
    public var width: Int
    public var heads: Int
    public var layers: Int
    /// Feed-forward width f.
    public var feedForward: Int

    public init(width: Int, heads: Int, layers: Int, feedForward: Int) {
        self.width = width
        self.heads = heads
        self.layers = layers
        self.feedForward = feedForward
    }

    /// `student`: d 32, h 2, L 2, f 64.
    public static let student = StudentConfig(width: 32, heads: 2, layers: 2, feedForward: 64)
    /// `student-tiny`: d 16, h 2, L 1, f 32.
    public static let tiny = StudentConfig(width: 16, heads: 2, layers: 1, feedForward: 32)
}
