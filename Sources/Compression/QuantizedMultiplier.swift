/// A positive real multiplier M as a Q31 significand and a power-of-two exponent:
/// M ≈ significand · 2^(shift − 31), significand ∈ [2^30, 2^31) (or 0 when M is 0 or below 2^−32).
///
/// Built as TFLite's `QuantizeMultiplier`: (q, shift) = frexp(M) with q ∈ [0.5, 1);
/// significand = round(q · 2^31) (ties away from zero); if that rounds up to 2^31 it is halved and
/// shift incremented; a shift below −31 flushes the multiplier to 0. `shift` > 0 means a left
/// shift, as in TFLite's per-channel `output_shift` arrays.
public struct QuantizedMultiplier: Sendable, Codable, Equatable {
    public var significand: Int32
    public var shift: Int

    public init(significand: Int32, shift: Int) {
        self.significand = significand
        self.shift = shift
    }

    public init(_ realMultiplier: Double) {
        precondition(realMultiplier >= 0 && realMultiplier.isFinite, "multiplier must be finite and ≥ 0")
        guard realMultiplier > 0 else {
            self.init(significand: 0, shift: 0)
            return
        }
        // frexp: realMultiplier = q · 2^exponent with q ∈ [0.5, 1).
        let exponent = Int(realMultiplier.exponent) + 1
        let q = realMultiplier.significand / 2
        var fixed = Int64((q * Double(Int64(1) << 31)).rounded(.toNearestOrAwayFromZero))
        var shift = exponent
        if fixed == Int64(1) << 31 {
            fixed /= 2
            shift += 1
        }
        if shift < -31 {
            self.init(significand: 0, shift: 0)
        } else {
            self.init(significand: Int32(fixed), shift: shift)
        }
    }

    /// The real value the integer pair stands for, significand · 2^(shift − 31).
    public var realValue: Double { Double(significand) * Double(sign: .plus, exponent: shift - 31, significand: 1) }
}
