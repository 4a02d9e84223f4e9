/// e^x for the activation kernels, written without calls or traps so loops over it vectorise
/// (glibc's expf is a scalar call per element).
///
/// Cephes' expf: n = round(x·log₂e), r = x − n·ln 2 (ln 2 split in two for exactness),
/// e^r by a degree-6 polynomial, times 2ⁿ built in the exponent bits. Relative error ≈ 1e-7
/// (Float's own resolution). x is clamped to [−87, 88], where 2ⁿ stays a normal Float.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87), 88)
    // Adding 1.5·2²³ rounds to an integer and leaves that integer in the low mantissa bits.
    let magic: Float = 12_582_912
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_1e-4
    p = p * r + 1.398_199_9e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_5e-1
    p = p * r + 5.000_000_1e-1
    let mantissa = p * r * r + r + 1
    let exponent = (shifted.bitPattern &- magic.bitPattern &+ 127) << 23
    return mantissa * Float(bitPattern: exponent)
}
