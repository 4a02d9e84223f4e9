import Foundation

/// Integer helpers of the kernels beyond requantization (`FixedPoint`): square roots, a
/// fixed-point exp, saturation. Each is written so a C port is a line-by-line transcription.
public enum IntegerMath {
    /// ⌊√n⌋ for n ≥ 0, bit by bit (no float, no division).
    public static func squareRoot(_ n: Int64) -> Int64 {
        precondition(n >= 0, "square root of a negative number")
        var remainder = n, root: Int64 = 0
        var bit: Int64 = 1 << 62
        while bit > remainder { bit >>= 2 }
        while bit != 0 {
            if remainder >= root + bit {
                remainder -= root + bit
                root = (root >> 1) + bit
            } else {
                root >>= 1
            }
            bit >>= 2
        }
        return root
    }

    public static func saturate(_ x: Int64, bits: Int) -> Int32 {
        let high = (Int64(1) << (bits - 1)) - 1
        return Int32(min(max(x, -high - (bits == 8 ? 1 : 0)), high))
    }

    /// 2^(i/256) in Q15 for i = 0…256 (32768…65536): the table of `exp`.
    public static let powerOfTwoTable: [Int32] = (0...256).map { i in
        Int32((32768 * Foundation.exp2(Double(i) / 256)).rounded(.toNearestOrAwayFromZero))
    }

    /// e^x in Q16 (65536 = 1) for x ≤ 0 given in Q10 (x·1024), as 2^(x·log₂e):
    /// t = x·log₂e in Q16 (log₂e ≈ 94548/65536); 2^t = 2^frac · 2^−n with frac ∈ [0, 1) read from
    /// `powerOfTwoTable` with linear interpolation between its 257 entries, then shifted right by n.
    /// Relative error below 2⁻¹⁴; inputs below −24 (e^x < 4·10⁻¹¹) give 0.
    public static func exp(q10 x: Int32) -> Int32 {
        precondition(x <= 0, "exp(q10:) takes x ≤ 0")
        let t = (Int64(x) * 94548) >> 10                  // Q16, ≤ 0, floor
        let n = Int(-(t >> 16))                           // t = −n + frac/65536
        let frac = Int(t & 0xFFFF)
        if n >= 31 { return 0 }
        let i = frac >> 8, r = Int32(frac & 0xFF)
        let low = powerOfTwoTable[i], high = powerOfTwoTable[i + 1]
        let q15 = low + (((high - low) * r + 128) >> 8)  // 2^(frac/65536) in Q15
        return Int32((Int64(q15) << 1) >> Int64(n))
    }
}
