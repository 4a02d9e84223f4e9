/// A 64-bit LCG (Knuth's MMIX constants) so the tests' random models are fixed by a seed without
/// depending on another module's generator.
struct TestLCG {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }

    /// Uniform in [low, high) from the top 24 bits.
    mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / 16_777_216
    }

    mutating func int32(in range: ClosedRange<Int64>) -> Int32 {
        Int32(range.lowerBound + Int64((next() >> 1) % UInt64(range.upperBound - range.lowerBound + 1)))
    }
}
