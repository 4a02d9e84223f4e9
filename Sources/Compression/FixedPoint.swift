/// The integer primitives of TFLite's requantization, written so that a C port is a line-by-line
/// transcription: every intermediate has a stated width and every rounding a stated direction.
///
/// A real multiplier M > 0 is carried as M ≈ m · 2^(shift − 31), with m a Q31 significand in
/// [2^30, 2^31). Applying it to an int32 accumulator x is
///
///     roundingDivideByPOT(saturatingRoundingDoublingHighMul(x · 2^max(shift, 0), m), max(−shift, 0))
///
/// i.e. a left shift for M ≥ 1, the rounded high half of the doubled 64-bit product, then a
/// rounding right shift for M < 1 (TFLite's two-rounding `MultiplyByQuantizedMultiplier`, the
/// default build; not the `TFLITE_SINGLE_ROUNDING` variant). Rounding twice can differ by one
/// from rounding x · M once; matching the chip bit for bit matters more than that last half step.
public enum FixedPoint {
    /// round(a · b / 2^31) with ties toward +∞ (= floor((a·b + 2^30) / 2^31), the rounding of
    /// ARM's SQRDMULH), saturating the single overflow case a = b = Int32.min (whose true
    /// result, 2^31, does not fit).
    ///
    /// Computed as gemmlowp's `SaturatingRoundingDoublingHighMul`: the 64-bit product gets a nudge
    /// of +2^30 (product ≥ 0) or 1 − 2^30 (< 0) before a division by 2^31 that truncates toward
    /// zero, as C's `/` does.
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let product = Int64(a) * Int64(b)
        let nudge: Int64 = product >= 0 ? (1 << 30) : (1 - (1 << 30))
        // Swift's `/` on integers truncates toward zero, exactly like C's.
        return Int32(truncatingIfNeeded: (product + nudge) / (1 << 31))
    }

    /// x / 2^exponent rounded to nearest, ties away from zero, for 0 ≤ exponent ≤ 31.
    ///
    /// remainder = x & (2^e − 1); threshold = (2^e − 1) >> 1, plus 1 when x < 0;
    /// result = (x >> e) + (remainder > threshold ? 1 : 0), with `>>` arithmetic (floor).
    /// gemmlowp's `RoundingDivideByPOT`.
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int) -> Int32 {
        precondition((0...31).contains(exponent), "exponent \(exponent) outside 0...31")
        let mask = Int32(truncatingIfNeeded: (Int64(1) << exponent) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> Int32(exponent)) + (remainder > threshold ? 1 : 0)
    }

    /// x · M for M = multiplier.significand · 2^(multiplier.shift − 31), rounded as TFLite's
    /// `MultiplyByQuantizedMultiplier` (left shift wraps like C on overflow; callers keep
    /// |x · 2^shift| < 2^31, which holds for the M < 1 of every dense layer).
    public static func multiply(_ x: Int32, by multiplier: QuantizedMultiplier) -> Int32 {
        let leftShift = max(multiplier.shift, 0)
        let rightShift = max(-multiplier.shift, 0)
        let shifted = x &<< Int32(leftShift)
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier.significand), rightShift)
    }
}
