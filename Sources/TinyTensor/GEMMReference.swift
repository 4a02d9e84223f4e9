/// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C by the textbook triple loop, with the
/// same argument conventions as `gemm` (beta = 0 does not read C). Slow; for checking `gemm`.
public func gemmReference(
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            // Double accumulation so the reference is closer to exact than either kernel.
            var sum: Double = 0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let scaled = Float(Double(alpha) * sum)
            c[i * ldc + j] = beta == 0 ? scaled : scaled + beta * c[i * ldc + j]
        }
    }
}
