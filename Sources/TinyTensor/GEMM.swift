import TinyTensorKernels
#if canImport(TinyTensorHaswell)
import TinyTensorHaswell
#endif

/// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C, all row-major.
///
/// op(A) is A, or Aᵀ when `transposeA` (then A is stored K×M with leading dimension `lda`);
/// likewise for B. beta = 0 overwrites C without reading it (so C may hold NaN garbage).
/// `bias` (N floats) is added to every row of C as it is stored: a layer's y = x·W + b in one
/// pass, bit-identical to copying b into C and running with beta = 1.
///
/// Runs the cache-blocked SIMD kernel named by `GEMMBackend.active`, split over
/// `Parallelism.threads` (the caller plus `CPUWorkerPool` workers) when the problem is large
/// enough to repay it. Safe to call from several threads at once on distinct C: one call at a
/// time gets the worker pool, the others split over Dispatch. The result is bit-identical
/// whatever the thread count.
public func gemm(
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    bias: UnsafePointer<Float>? = nil
) {
    gemm(kernel: GEMMBackend.kernel, threads: Parallelism.threads,
         transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
         a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, bias: bias)
}

/// `gemm` with the kernel, the thread budget and the parallel cut-off given (tests run both
/// kernels and force small problems to split).
func gemm(
    kernel: GEMMKernel, threads: Int, minimumParallelWork: Int = GEMMSplit.minimumParallelWork,
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>? = nil
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension m=\(m) n=\(n) k=\(k)")
    precondition(ldc >= n, "gemm: ldc \(ldc) < n \(n)")
    precondition(lda >= (transposeA ? m : k) && ldb >= (transposeB ? k : n), "gemm: lda/ldb too small")
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
        scale(rows: m, columns: n, by: beta, c: c, ldc: ldc, bias: bias)
        return
    }
    if GEMMDirectPath.applies(n: n, k: k) {
        gemmDirectPath(kernel: kernel, threads: threads, minimumParallelWork: minimumParallelWork,
                       transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, bias: bias)
        return
    }
    let split = GEMMSplit(m: m, n: n, k: k, threads: threads, minimumParallelWork: minimumParallelWork)
    // A local function, not a closure value, so the serial path allocates no closure context.
    func runBlock(_ chunk: Int) {
        let (rows, columns) = split.block(chunk)
        let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
        let bBlock = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
        GEMMScratchPool.shared.withScratch { scratch in
            kernel.run(transposeA: transposeA, transposeB: transposeB,
                       m: rows.count, n: columns.count, k: k, alpha: alpha,
                       a: aBlock, lda: lda, b: bBlock, ldb: ldb, beta: beta,
                       c: c + rows.lowerBound * ldc + columns.lowerBound, ldc: ldc,
                       bias: bias.map { $0 + columns.lowerBound }, scratch: scratch)
        }
    }
    if split.chunks == 1 {
        runBlock(0)
        return
    }
    if #available(macOS 15, iOS 18, *),
       CPUWorkerPool.shared.run(CPUTask(chunks: split.chunks, body: runBlock), helpers: threads - 1) {
        return
    }
    // Pool busy with another thread's GEMM (or no atomics on this OS): Dispatch still splits it.
    parallelFor(chunks: split.chunks, runBlock)
}

/// C = beta · C (+ bias) (beta = 0 writes zeros without reading C): the whole GEMM when K = 0 or alpha = 0.
private func scale(rows: Int, columns: Int, by beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                   bias: UnsafePointer<Float>?) {
    for i in 0..<rows {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: columns)
        } else if beta != 1 {
            for j in 0..<columns { row[j] *= beta }
        }
        if let bias { for j in 0..<columns { row[j] += bias[j] } }
    }
}

/// How one GEMM is cut into independent blocks of C for the worker threads.
///
/// Blocks are whole 6-row or 16-column micro-panels, cut along whichever dimension makes the
/// largest block cheapest, counting its multiply-adds r·c·k plus its packing of op(A) and op(B),
/// (r + c)·k floats at about `packingCost` multiply-adds each. So a tall C (M = 1280) is cut into
/// row blocks that each pack only a small B, and the square 64×64 weight gradient into column
/// blocks. Every block runs the full K loop itself, so the sums are those of the serial run.
struct GEMMSplit {
    /// Multiply-adds below which one thread beats the ~10 µs of waking the others
    /// (2^19 multiply-adds take ≈ 12 µs on one AVX2 core).
    static let minimumParallelWork = 1 << 19
    /// One packed float costs about a cycle; the micro-kernel does 16 multiply-adds a cycle.
    static let packingCost = 16
    static let blocksPerThread = 4
    /// Multiply-adds below which a block is too small to repay its own packing and dispatch.
    static let minimumBlockWork = 1 << 18

    let m: Int, n: Int
    let alongRows: Bool
    /// Rows (or columns) per block, a multiple of the micro-panel.
    let step: Int
    let chunks: Int

    init(m: Int, n: Int, k: Int, threads: Int, minimumParallelWork: Int) {
        self.m = m
        self.n = n
        let rowPanels = (m + GEMMBlocking.mr - 1) / GEMMBlocking.mr
        let columnPanels = (n + GEMMBlocking.nr - 1) / GEMMBlocking.nr
        guard threads > 1, m * n * k >= minimumParallelWork, rowPanels * columnPanels > 1 else {
            alongRows = true
            step = m
            chunks = 1
            return
        }
        // More blocks than threads: the caller starts at once while Dispatch wakes the other
        // workers (tens of µs, a large part of a 100 µs GEMM), and late workers take what is left.
        let blocks = min(threads * Self.blocksPerThread, max(threads, m * n * k / Self.minimumBlockWork))
        let rowsPerBlock = (rowPanels + blocks - 1) / blocks * GEMMBlocking.mr
        let columnsPerBlock = (columnPanels + blocks - 1) / blocks * GEMMBlocking.nr
        func cost(rows: Int, columns: Int) -> Int { rows * columns * k + Self.packingCost * (rows + columns) * k }
        alongRows = cost(rows: min(rowsPerBlock, m), columns: n) <= cost(rows: m, columns: min(columnsPerBlock, n))
        step = alongRows ? rowsPerBlock : columnsPerBlock
        chunks = ((alongRows ? m : n) + step - 1) / step
    }

    /// Rows and columns of C that block `chunk` computes.
    func block(_ chunk: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let extent = alongRows ? m : n
        let part = chunk * step..<min(extent, (chunk + 1) * step)
        return alongRows ? (part, 0..<n) : (0..<m, part)
    }
}

/// When `gemm` skips packing and runs `gemmDirect` (TinyTensorKernels): op(B) of at most
/// `maximumB` floats (it is re-read from L1 for every 4-row block of C; a transposed B, or one
/// whose N is not a multiple of 8, is first copied to a zero-padded K×N stack buffer). Covers the small models' projections (K, N ≤ 64)
/// and the attention's per-head products; larger problems take the packed, cache-blocked path.
enum GEMMDirectPath {
    static let maximumB = 4096

    static func applies(n: Int, k: Int) -> Bool { n * k <= maximumB }
}

/// Runs the direct kernel, split into row blocks over the workers when large enough (each row of
/// C is computed the same way whatever the split, so the result does not depend on threads).
private func gemmDirectPath(
    kernel: GEMMKernel, threads: Int, minimumParallelWork: Int,
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?
) {
    func run(_ b: UnsafePointer<Float>, _ ldb: Int, padded: Bool) {
        let parallel = threads > 1 && m * n * k >= minimumParallelWork && m >= 16
        let chunks = parallel ? min(threads * GEMMSplit.blocksPerThread, m / 8) : 1
        let rowsPerChunk = ((m + chunks - 1) / chunks + 3) / 4 * 4
        func block(_ chunk: Int) {
            let start = chunk * rowsPerChunk, rows = min(m, start + rowsPerChunk) - start
            guard rows > 0 else { return }
            let aBlock = transposeA ? a + start : a + start * lda
            switch kernel {
            case .haswell:
                #if canImport(TinyTensorHaswell)
                gemmDirectHaswell(transposeA: transposeA, m: rows, n: n, k: k, alpha: alpha, a: aBlock, lda: lda,
                                  b: b, ldb: ldb, bPadded: padded, beta: beta, c: c + start * ldc, ldc: ldc, bias: bias)
                #else
                preconditionFailure("the AVX2+FMA GEMM is not compiled into this build")
                #endif
            case .portable:
                #if arch(x86_64)
                gemmDirect(SeparateMultiplyAdd.self, transposeA: transposeA, m: rows, n: n, k: k, alpha: alpha,
                           a: aBlock, lda: lda, b: b, ldb: ldb, bPadded: padded, beta: beta, c: c + start * ldc, ldc: ldc,
                           bias: bias)
                #else
                gemmDirect(FusedMultiplyAdd.self, transposeA: transposeA, m: rows, n: n, k: k, alpha: alpha,
                           a: aBlock, lda: lda, b: b, ldb: ldb, bPadded: padded, beta: beta, c: c + start * ldc, ldc: ldc,
                           bias: bias)
                #endif
            }
        }
        if chunks == 1 { return block(0) }
        if #available(macOS 15, iOS 18, *),
           CPUWorkerPool.shared.run(CPUTask(chunks: chunks, body: block), helpers: threads - 1) {
            return
        }
        parallelFor(chunks: chunks, block)
    }
    if !transposeB && n % 8 == 0 { return run(b, ldb, padded: false) }
    // A transposed B (op(B)[p, j] = b[j·ldb + p]), or rows whose last 8 columns are partial: copy
    // op(B) row-major onto the stack, zero-padded to whole 8-column groups, so every load of B is
    // a full vector.
    let width = (n + 7) / 8 * 8
    withUnsafeTemporaryAllocation(of: Float.self, capacity: k * width) { buffer in
        let t = buffer.baseAddress!
        if transposeB {
            for p in 0..<k {
                let row = t + p * width
                for j in 0..<n { row[j] = b[j * ldb + p] }
                for j in n..<width { row[j] = 0 }
            }
        } else {
            for p in 0..<k {
                let row = t + p * width
                row.update(from: b + p * ldb, count: n)
                (row + n).update(repeating: 0, count: width - n)
            }
        }
        run(UnsafePointer(t), width, padded: true)
    }
}
