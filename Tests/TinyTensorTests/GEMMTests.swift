import Dispatch
import Synchronization
import XCTest
@testable import TinyTensor

/// Both compiled kernels against the textbook loop, on shapes that hit every edge tile and
/// blocking boundary while staying small enough for a debug build.
final class GEMMTests: XCTestCase {
    /// One problem with its operands stored as `gemm` sees them (op(A) is m×k, op(B) is k×n).
    struct Problem {
        var m: Int, n: Int, k: Int
        var transposeA = false, transposeB = false
        var alpha: Float = 1, beta: Float = 0
        /// Extra floats at the end of every stored row, so lda/ldb/ldc exceed the row length.
        var padding = 0

        var lda: Int { (transposeA ? m : k) + padding }
        var ldb: Int { (transposeB ? k : n) + padding }
        var ldc: Int { n + padding }
        var aCount: Int { (transposeA ? k : m) * lda }
        var bCount: Int { (transposeB ? n : k) * ldb }
        var cCount: Int { m * ldc }
    }

    /// Every kernel this machine can run: the AVX2+FMA build only where it is compiled in and
    /// the CPU has it, the portable build always (what TINYLOC_ISA=portable selects).
    static var kernels: [GEMMKernel] {
        GEMMBackend.choose(isaOverride: nil, cpuHasAVX2FMA: GEMMBackend.cpuHasAVX2FMA) == .haswell
            ? [.haswell, .portable] : [.portable]
    }

    func random(_ count: Int, _ rng: inout SeededRNG) -> [Float] {
        (0..<count).map { _ in rng.uniform() * 2 - 1 }
    }

    /// Runs `problem` with `kernel` on `threads` threads (always splitting when threads > 1),
    /// returning C; C starts as `initialC`.
    func run(_ p: Problem, kernel: GEMMKernel, threads: Int = 1,
             a: [Float], b: [Float], initialC: [Float]) -> [Float] {
        var c = initialC
        c.withUnsafeMutableBufferPointer { c in
            gemm(kernel: kernel, threads: threads, minimumParallelWork: 0,
                 transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                 alpha: p.alpha, a: a, lda: p.lda, b: b, ldb: p.ldb,
                 beta: p.beta, c: c.baseAddress!, ldc: p.ldc)
        }
        return c
    }

    func reference(_ p: Problem, a: [Float], b: [Float], initialC: [Float]) -> [Float] {
        var c = initialC
        c.withUnsafeMutableBufferPointer { c in
            gemmReference(transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                          alpha: p.alpha, a: a, lda: p.lda, b: b, ldb: p.ldb,
                          beta: p.beta, c: c.baseAddress!, ldc: p.ldc)
        }
        return c
    }

    /// Checks every kernel on `p` against the reference, element by element, to within a few
    /// float roundings of |alpha|·Σ|a||b| + |beta·c|; padding in C must be left untouched.
    func check(_ p: Problem, file: StaticString = #filePath, line: UInt = #line) {
        var rng = SeededRNG(seed: UInt64(p.m * 1_000_003 + p.n * 1009 + p.k))
        let a = random(p.aCount, &rng), b = random(p.bCount, &rng), c0 = random(p.cCount, &rng)
        let expected = reference(p, a: a, b: b, initialC: c0)
        var magnitude = p
        magnitude.alpha = abs(p.alpha)
        magnitude.beta = abs(p.beta)
        let bound = reference(magnitude, a: a.map(abs), b: b.map(abs), initialC: c0.map(abs))
        for kernel in Self.kernels {
            let got = run(p, kernel: kernel, a: a, b: b, initialC: c0)
            for i in 0..<p.m {
                for j in 0..<p.ldc {
                    let index = i * p.ldc + j
                    if j >= p.n {
                        XCTAssertEqual(got[index], c0[index], "\(kernel) wrote C padding (\(i),\(j)) for \(p)",
                                       file: file, line: line)
                        continue
                    }
                    let tolerance = 1e-5 * bound[index] + 1e-30
                    if abs(got[index] - expected[index]) > tolerance {
                        XCTFail("\(kernel) C[\(i),\(j)] = \(got[index]), expected \(expected[index]) for \(p)",
                                file: file, line: line)
                        return
                    }
                }
            }
        }
    }

    func testTinyAndOddShapesAllTransposes() {
        let shapes = [(1, 1, 1), (7, 5, 13), (67, 129, 33), (6, 16, 1), (12, 32, 8), (5, 17, 3)]
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    check(Problem(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
                }
            }
        }
    }

    func testAlphaBetaAndLeadingDimensionsLargerThanRows() {
        for (alpha, beta) in [(Float(1), Float(1)), (0.5, -2), (-1.5, 0), (2, 0.25)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    check(Problem(m: 13, n: 35, k: 19, transposeA: transposeA, transposeB: transposeB,
                                  alpha: alpha, beta: beta, padding: 3))
                }
            }
        }
    }

    /// Crosses the kc (256), mc (96) depth and row blocks, so beta is applied once and later
    /// depth blocks accumulate.
    func testShapesSpanningSeveralCacheBlocks() {
        check(Problem(m: 100, n: 40, k: 300, transposeA: true, beta: 0.5, padding: 1))
        check(Problem(m: 101, n: 19, k: 513, transposeB: true))
    }

    func testBetaZeroDoesNotReadC() {
        let p = Problem(m: 9, n: 21, k: 4, transposeA: true)
        var rng = SeededRNG(seed: 7)
        let a = random(p.aCount, &rng), b = random(p.bCount, &rng)
        for kernel in Self.kernels {
            let got = run(p, kernel: kernel, a: a, b: b, initialC: [Float](repeating: .nan, count: p.cCount))
            XCTAssertFalse(got.contains { $0.isNaN }, "\(kernel) read C with beta = 0")
        }
    }

    func testZeroDepthScalesCByBeta() {
        let c0: [Float] = (0..<12).map(Float.init)
        for kernel in Self.kernels {
            let scaled = run(Problem(m: 3, n: 4, k: 0, beta: 2), kernel: kernel, a: [], b: [], initialC: c0)
            XCTAssertEqual(scaled, c0.map { 2 * $0 })
            let cleared = run(Problem(m: 3, n: 4, k: 0), kernel: kernel, a: [], b: [],
                              initialC: [Float](repeating: .nan, count: 12))
            XCTAssertEqual(cleared, [Float](repeating: 0, count: 12))
        }
    }

    func testEmptyOutputWritesNothing() {
        for kernel in Self.kernels {
            XCTAssertEqual(run(Problem(m: 0, n: 5, k: 3), kernel: kernel, a: [], b: [Float](repeating: 1, count: 15),
                               initialC: []), [])
            XCTAssertEqual(run(Problem(m: 2, n: 0, k: 3), kernel: kernel, a: [Float](repeating: 1, count: 6), b: [],
                               initialC: []), [])
        }
    }

    /// The bias epilogue equals copying the bias into every row of C and running with beta = 1,
    /// bit for bit: on the direct and the blocked path, edge tiles, several depth blocks, splits
    /// over threads (each block gets its own columns of the bias) and K = 0.
    func testBiasIsAddedAsCIsStoredBitForBit() {
        let problems = [Problem(m: 7, n: 20, k: 64), Problem(m: 13, n: 37, k: 5, transposeA: true),
                        Problem(m: 67, n: 129, k: 300, padding: 3), Problem(m: 50, n: 70, k: 90, transposeB: true),
                        Problem(m: 4, n: 9, k: 0)]
        for p in problems {
            var rng = SeededRNG(seed: UInt64(p.m + p.n))
            let a = random(max(p.aCount, 1), &rng), b = random(max(p.bCount, 1), &rng), bias = random(p.n, &rng)
            let garbage = [Float](repeating: .nan, count: p.cCount)
            var seeded = garbage
            for i in 0..<p.m { for j in 0..<p.n { seeded[i * p.ldc + j] = bias[j] } }
            for kernel in Self.kernels {
                var withBeta = p
                withBeta.beta = 1
                let expected = run(withBeta, kernel: kernel, a: a, b: b, initialC: seeded)
                for threads in [1, 3] {
                    var c = garbage
                    c.withUnsafeMutableBufferPointer { c in
                        bias.withUnsafeBufferPointer { bias in
                            gemm(kernel: kernel, threads: threads, minimumParallelWork: 0,
                                 transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                                 alpha: p.alpha, a: a, lda: p.lda, b: b, ldb: p.ldb,
                                 beta: 0, c: c.baseAddress!, ldc: p.ldc, bias: bias.baseAddress!)
                        }
                    }
                    for index in c.indices where index % p.ldc < p.n {
                        XCTAssertEqual(c[index].bitPattern, expected[index].bitPattern,
                                       "\(kernel), \(threads) threads, \(p): C[\(index)] = \(c[index]), expected \(expected[index])")
                    }
                }
            }
        }
    }

    /// A split over threads must give bit-identical results to the serial run, for splits
    /// along rows (tall C) and along columns (wide C).
    func testParallelMatchesSerialBitForBit() {
        for p in [Problem(m: 67, n: 33, k: 129, transposeA: true, beta: 1, padding: 2),
                  Problem(m: 7, n: 100, k: 300, transposeB: true, alpha: 0.75)] {
            var rng = SeededRNG(seed: 11)
            let a = random(p.aCount, &rng), b = random(p.bCount, &rng), c0 = random(p.cCount, &rng)
            for kernel in Self.kernels {
                let serial = run(p, kernel: kernel, threads: 1, a: a, b: b, initialC: c0)
                for threads in [2, 3, 5] {
                    let parallel = run(p, kernel: kernel, threads: threads, a: a, b: b, initialC: c0)
                    XCTAssertEqual(parallel, serial, "\(kernel) with \(threads) threads on \(p)")
                }
            }
        }
    }

    /// GEMMs started from several threads at once: one holds the worker pool, the others fall
    /// back to Dispatch; every result must still equal the serial one.
    func testConcurrentCallersGetSerialResults() {
        let p = Problem(m: 61, n: 47, k: 70, transposeB: true)
        var rng = SeededRNG(seed: 5)
        let a = random(p.aCount, &rng), b = random(p.bCount, &rng)
        let zeros = [Float](repeating: 0, count: p.cCount)
        for kernel in Self.kernels {
            let serial = run(p, kernel: kernel, threads: 1, a: a, b: b, initialC: zeros)
            let mismatches = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                for _ in 0..<5 where run(p, kernel: kernel, threads: 2, a: a, b: b, initialC: zeros) != serial {
                    mismatches.wrappingAdd(1, ordering: .relaxed)
                }
            }
            XCTAssertEqual(mismatches.load(ordering: .relaxed), 0, "\(kernel)")
        }
    }

    func testSplitCoversCExactlyOnceInWholeMicroPanels() {
        for (m, n, threads) in [(1280, 64, 2), (64, 64, 2), (67, 33, 3), (5, 100, 4), (1, 1, 2)] {
            let split = GEMMSplit(m: m, n: n, k: 64, threads: threads, minimumParallelWork: 0)
            var covered = [Int](repeating: 0, count: m * n)
            for chunk in 0..<split.chunks {
                let (rows, columns) = split.block(chunk)
                XCTAssertEqual(split.alongRows ? rows.lowerBound % 6 : columns.lowerBound % 16, 0)
                for i in rows { for j in columns { covered[i * n + j] += 1 } }
            }
            XCTAssertEqual(covered, [Int](repeating: 1, count: m * n), "split of \(m)×\(n) over \(threads)")
            XCTAssertLessThanOrEqual(split.chunks, threads * GEMMSplit.blocksPerThread)
        }
        XCTAssertEqual(GEMMSplit(m: 1280, n: 64, k: 64, threads: 2, minimumParallelWork: 0).alongRows, true)
        XCTAssertEqual(GEMMSplit(m: 6, n: 1024, k: 64, threads: 2, minimumParallelWork: 0).alongRows, false)
        XCTAssertEqual(GEMMSplit(m: 8, n: 8, k: 8, threads: 2, minimumParallelWork: 1 << 19).chunks, 1)
    }

    func testBackendChoiceAndDescription() {
        XCTAssertEqual(GEMMBackend.choose(isaOverride: "portable", cpuHasAVX2FMA: true), .portable)
        XCTAssertEqual(GEMMBackend.choose(isaOverride: nil, cpuHasAVX2FMA: false), .portable)
        #if arch(x86_64)
        XCTAssertEqual(GEMMBackend.choose(isaOverride: nil, cpuHasAVX2FMA: true), .haswell)
        XCTAssertEqual(GEMMBackend.choose(isaOverride: "auto", cpuHasAVX2FMA: true), .haswell)
        let forced = GEMMBackend.describe(.portable, cpuHasAVX2FMA: true)
        XCTAssertTrue(forced.contains("TINYLOC_ISA=portable"), forced)
        let oldCPU = GEMMBackend.describe(.portable, cpuHasAVX2FMA: false)
        XCTAssertTrue(oldCPU.contains("lacks AVX2+FMA"), oldCPU)
        #endif
        if ProcessInfo.processInfo.environment["TINYLOC_ISA"] == "portable" {
            XCTAssertEqual(GEMMBackend.kernel, .portable)
        }
        XCTAssertFalse(GEMMBackend.active.isEmpty)
    }

    /// The public entry point (active kernel, process thread budget) on a typical layer shape.
    func testPublicEntryPoint() {
        let (m, n, k) = (30, 20, 10)
        var rng = SeededRNG(seed: 3)
        let a = random(m * k, &rng), b = random(k * n, &rng)
        var got = [Float](repeating: .nan, count: m * n), expected = got
        gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
             beta: 0, c: &got, ldc: n)
        gemmReference(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
                      beta: 0, c: &expected, ldc: n)
        for (x, y) in zip(got, expected) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    func testBenchmarkReturnsOneResultPerShape() {
        let shapes = [GEMMShape(m: 12, k: 8, n: 16), GEMMShape(m: 8, k: 12, n: 16, transposeA: true)]
        let results = benchmarkGEMM(shapes: shapes, repeats: 1, threads: 1)
        XCTAssertEqual(results.map { [$0.m, $0.k, $0.n] }, [[12, 8, 16], [8, 12, 16]])
        XCTAssertEqual(results.map(\.transposeA), [false, true])
        XCTAssertTrue(results.allSatisfy { $0.gflops > 0 && $0.gflops.isFinite && $0.threads == 1 })
    }
}
