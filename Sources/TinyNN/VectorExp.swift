/// e^x for eight lanes at once, for the selective scan's single-step reference (`stepVector`).
/// The training paths use `kernelExp8` (TinyTensorKernels, the same algorithm) through
/// `VectorKernels`, compiled with AVX2+FMA.
///
/// Cephes' expf: x = n·ln2 + r with n = round(x / ln2) and |r| ≤ ln2/2 (ln2 split in a high
/// and a low part so r is exact), e^r by a degree-5 minimax polynomial, then 2^n put into the
/// exponent bits. Relative error about 2 ulp over [−87.3, 88.7]; inputs are clamped to that range,
/// so very negative x gives ≈ 1e−38 instead of 0. The rounding uses the 1.5·2^23 trick: adding it
/// leaves round(x/ln2) in the low mantissa bits, where integer arithmetic reads it.
@inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Lane-wise selects, not `clamped`, which the optimiser leaves as a generic call.
    let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.7)
    let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2^23
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let y = p * (r * r) + r + 1
    let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self) &+ 127) &<< 23
    return y * unsafeBitCast(exponent, to: SIMD8<Float>.self)
}
