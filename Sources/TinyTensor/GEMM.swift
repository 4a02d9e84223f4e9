/// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, all row-major.
///
/// op(A) is A, or Aᵀ when `transposeA` (then A is stored K×M with leading dimension `lda`);
/// likewise for B. beta = 0 overwrites C without reading it (so C may hold NaN garbage).
public func gemm(
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    // Placeholder reference loop; replaced by the blocked SIMD kernel.
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += av * bv
            }
            c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}
