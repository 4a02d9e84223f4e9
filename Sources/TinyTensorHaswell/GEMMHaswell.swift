import TinyTensorKernels

/// `gemmBlocked` specialised in this module, i.e. compiled with `-target-cpu haswell`: the
/// micro-kernel becomes 256-bit `vfmadd231ps` on twelve ymm accumulators. Call it only when
/// the CPU reports AVX2 and FMA (TinyTensor checks).
public func gemmBlockedHaswell(
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    bias: UnsafePointer<Float>?,
    scratch: GEMMScratch
) {
    gemmBlocked(FusedMultiplyAdd.self, transposeA: transposeA, transposeB: transposeB,
                m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, bias: bias, scratch: scratch)
}

/// `gemmDirect` (the unpacked small-problem GEMM) compiled with AVX2+FMA.
public func gemmDirectHaswell(
    transposeA: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, bPadded: Bool,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?
) {
    gemmDirect(FusedMultiplyAdd.self, transposeA: transposeA, m: m, n: n, k: k, alpha: alpha,
               a: a, lda: lda, b: b, ldb: ldb, bPadded: bPadded, beta: beta, c: c, ldc: ldc, bias: bias)
}
