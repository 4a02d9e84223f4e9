/// The one source of randomness: SplitMix64-seeded xoshiro256**.
///
/// Every random draw in tinyloc (initialisation, shuffling, dropout, the simulator) goes through a
/// value of this type created from an explicit seed, so the same seed on the same machine gives a
/// bit-identical run. `split` derives independent streams (per layer, per recording) without
/// making their values depend on how many draws another stream made.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    // @usableFromInline so that `next` and `uniform` inline into the layers (dropout draws one
    // number per element; a cross-module call each was ~3 % of a teacher training step).
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// An independent stream named by `stream`; does not advance `self`.
    public func split(_ stream: UInt64) -> SeededRNG {
        SeededRNG(seed: (s0 ^ (stream &* 0xD1B5_4A32_D192_ED03)) &+ s3)
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    @inlinable
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) as Double with 53 random bits.
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Standard normal by Box–Muller (one value per call; simple and deterministic).
    public mutating func normal() -> Float {
        let u1 = Swift.max(uniformDouble(), 1e-300)
        let u2 = uniformDouble()
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    public mutating func normalDouble() -> Double {
        let u1 = Swift.max(uniformDouble(), 1e-300)
        let u2 = uniformDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    public mutating func int(below n: Int) -> Int { Int(next() % UInt64(n)) }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
