// The blocked GEMM, written once as @inlinable generic code so that each client module
// specialises it with its own code generation: TinyTensor with the baseline target,
// TinyTensorHaswell with AVX2+FMA (see Package.swift). Nothing here allocates or spawns
// threads; the caller owns the packing scratch and the parallel split.

/// Register and cache blocking of the BLIS-style loop nest.
///
/// A 6×16 tile of C is 12 eight-lane accumulators: with two B vectors and one broadcast A
/// value that is 15 of the 16 ymm registers on AVX2 (and 27 of 32 q registers on arm64).
/// `kc` keeps one packed B micro-panel (kc×16 floats = 16 KB) in a 32 KB L1 beside the A
/// micro-panel streaming past it; `mc`×`kc` of packed A (96 KB) sits in L2; `nc`×`kc` of
/// packed B (2 MB) in L3.
public enum GEMMBlocking {
    @inlinable public static var mr: Int { 6 }
    @inlinable public static var nr: Int { 16 }
    @inlinable public static var kc: Int { 256 }
    @inlinable public static var mc: Int { 96 }
    @inlinable public static var nc: Int { 2048 }

    /// Floats of packed A (mc×kc), packed B (kc×nc) and one C edge tile (mr×nr) that a caller
    /// must provide to `gemmBlocked` per concurrently running call.
    @inlinable public static var packedACount: Int { mc * kc }
    @inlinable public static var packedBCount: Int { kc * nc }
    @inlinable public static var edgeTileCount: Int { mr * nr }
}

/// How the micro-kernel forms acc + a·b: fused where the target has FMA (one rounding),
/// as a multiply then an add where it does not (an unfused `addingProduct` would otherwise be
/// a libm `fmaf` call per lane).
public protocol GEMMMultiplyAdd {
    static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
}

/// acc + a·b with a single rounding (`vfmadd231ps` on AVX2, `fmla` on arm64).
public enum FusedMultiplyAdd: GEMMMultiplyAdd {
    @inlinable @inline(__always)
    public static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        acc.addingProduct(a, b)
    }
}

/// (a·b) + acc, rounded twice; for x86-64 code generated without FMA.
public enum SeparateMultiplyAdd: GEMMMultiplyAdd {
    @inlinable @inline(__always)
    public static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        acc + a * b
    }
}

/// Scratch memory for one running `gemmBlocked` call, each region 64-byte aligned and sized
/// by `GEMMBlocking`.
public struct GEMMScratch {
    public var packedA: UnsafeMutablePointer<Float>
    public var packedB: UnsafeMutablePointer<Float>
    public var edgeTile: UnsafeMutablePointer<Float>

    @inlinable
    public init(packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
                edgeTile: UnsafeMutablePointer<Float>) {
        self.packedA = packedA
        self.packedB = packedB
        self.edgeTile = edgeTile
    }
}

/// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C (+ bias[j] in every row j-th column when
/// `bias` is given: a layer's bias added as the tile is stored, not in a pass of its own),
/// row-major, on one thread.
///
/// Loop nest (BLIS): columns of C in `nc` blocks → depth in `kc` blocks (pack op(B)) → rows in
/// `mc` blocks (pack op(A)) → 16-column micro-panels → 6-row micro-panels → 6×16 micro-kernel.
/// The first depth block applies beta; later ones add into C, so each C element sums its
/// products in the same order whatever row or column range a caller hands this function —
/// which is what lets a parallel split reproduce the serial result bit for bit.
/// Requires k > 0; beta = 0 never reads C.
@inlinable
public func gemmBlocked<F: GEMMMultiplyAdd>(
    _ multiplyAdd: F.Type,
    transposeA: Bool, transposeB: Bool,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    bias: UnsafePointer<Float>? = nil,
    scratch: GEMMScratch
) {
    let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
    var jc = 0
    while jc < n {
        let nb = min(GEMMBlocking.nc, n - jc)
        var pc = 0
        while pc < k {
            let kb = min(GEMMBlocking.kc, k - pc)
            let blockBeta: Float = pc == 0 ? beta : 1
            let blockBias = pc == 0 ? bias : nil
            let bBlock = transposeB ? b + jc * ldb + pc : b + pc * ldb + jc
            packB(transposed: transposeB, b: bBlock, ldb: ldb, depth: kb, columns: nb, into: scratch.packedB)
            var ic = 0
            while ic < m {
                let mb = min(GEMMBlocking.mc, m - ic)
                let aBlock = transposeA ? a + pc * lda + ic : a + ic * lda + pc
                // A transposed and at most one row block: its 6-row micro-panels are already six
                // contiguous floats per depth step, so full panels are read in place (stride lda)
                // and only a partial last panel is packed. Packing would otherwise cost about as
                // much as a tenth of the multiply-adds of a 64×1280×64 weight gradient.
                let stridedA = transposeA && m <= GEMMBlocking.mc
                let fullRows = stridedA ? mb / mr * mr : 0
                if fullRows < mb {
                    packA(transposed: transposeA, a: transposeA ? aBlock + fullRows : aBlock + fullRows * lda, lda: lda,
                          rows: mb - fullRows, depth: kb, into: scratch.packedA + fullRows * kb)
                }
                var jr = 0
                while jr < nb {
                    let width = min(nr, nb - jr)
                    let bPanel = UnsafePointer(scratch.packedB + jr * kb)
                    var ir = 0
                    while ir < mb {
                        let height = min(mr, mb - ir)
                        let inPlace = ir < fullRows
                        let aPanel = inPlace ? aBlock + ir : UnsafePointer(scratch.packedA + ir * kb)
                        let aStride = inPlace ? lda : mr
                        let cTile = c + (ic + ir) * ldc + jc + jr
                        let tileBias = blockBias.map { $0 + jc + jr }
                        if height == mr && width == nr {
                            microKernel6x16(F.self, depth: kb, a: aPanel, aStride: aStride, b: bPanel,
                                            alpha: alpha, beta: blockBeta, c: cTile, ldc: ldc, bias: tileBias)
                        } else {
                            microKernel6x16(F.self, depth: kb, a: aPanel, aStride: aStride, b: bPanel,
                                            alpha: alpha, beta: 0, c: scratch.edgeTile, ldc: nr, bias: nil)
                            mergeEdgeTile(scratch.edgeTile, rows: height, columns: width,
                                          beta: blockBeta, c: cTile, ldc: ldc, bias: tileBias)
                        }
                        ir += mr
                    }
                    jr += nr
                }
                ic += mb
            }
            pc += kb
        }
        jc += nb
    }
}

/// Packs rows×depth of op(A) into 6-row micro-panels: panel r holds op(A)[6r+i, p] at
/// `r·6·depth + p·6 + i`, zero-padded to 6 rows, so the micro-kernel reads A contiguously
/// whatever the transpose. `a` points at op(A)[0, 0] of the block.
@inlinable @inline(__always)
func packA(transposed: Bool, a: UnsafePointer<Float>, lda: Int, rows: Int, depth: Int,
           into packed: UnsafeMutablePointer<Float>) {
    let mr = GEMMBlocking.mr
    var r = 0
    while r < rows {
        let height = min(mr, rows - r)
        var d = packed + r * depth
        if transposed {
            var src = a + r
            if height == mr {
                // Six contiguous floats as a 4- and a 2-lane move; an 8-lane load could run past A.
                for _ in 0..<depth {
                    let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(d)
                    to.storeBytes(of: from.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                    to.storeBytes(of: from.loadUnaligned(fromByteOffset: 16, as: SIMD2<Float>.self),
                                  toByteOffset: 16, as: SIMD2<Float>.self)
                    src += lda
                    d += mr
                }
            } else {
                for _ in 0..<depth {
                    for i in 0..<height { d[i] = src[i] }
                    for i in height..<mr { d[i] = 0 }
                    src += lda
                    d += mr
                }
            }
        } else if height == mr {
            let r0 = a + r * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda
            for p in 0..<depth {
                d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p]
                d += mr
            }
        } else {
            for p in 0..<depth {
                for i in 0..<height { d[i] = a[(r + i) * lda + p] }
                for i in height..<mr { d[i] = 0 }
                d += mr
            }
        }
        r += mr
    }
}

/// Packs depth×columns of op(B) into 16-column micro-panels: panel s holds op(B)[p, 16s+j] at
/// `s·16·depth + p·16 + j`, zero-padded to 16 columns. `b` points at op(B)[0, 0] of the block.
@inlinable @inline(__always)
func packB(transposed: Bool, b: UnsafePointer<Float>, ldb: Int, depth: Int, columns: Int,
           into packed: UnsafeMutablePointer<Float>) {
    let nr = GEMMBlocking.nr
    var s = 0
    while s < columns {
        let width = min(nr, columns - s)
        var d = packed + s * depth
        if transposed {
            for p in 0..<depth {
                for j in 0..<width { d[j] = b[(s + j) * ldb + p] }
                for j in width..<nr { d[j] = 0 }
                d += nr
            }
        } else if width == nr {
            var src = UnsafeRawPointer(b + s)
            let rowBytes = ldb * MemoryLayout<Float>.stride
            for _ in 0..<depth {
                UnsafeMutableRawPointer(d).storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self),
                                                      as: SIMD16<Float>.self)
                src += rowBytes
                d += nr
            }
        } else {
            var src = b + s
            for _ in 0..<depth {
                for j in 0..<width { d[j] = src[j] }
                for j in width..<nr { d[j] = 0 }
                src += ldb
                d += nr
            }
        }
        s += nr
    }
}

/// C[0..<6, 0..<16] = alpha · Σₚ A[:, p] ⊗ B[p, :] + beta · C over one A micro-panel
/// (6 contiguous floats per p, `aStride` apart: 6 when packed, lda when read in place) and one packed B micro-panel (16 floats per p); beta = 0 does not read C.
/// The twelve accumulators are separate locals so they stay in registers across the loop.
@inlinable @inline(__always)
func microKernel6x16<F: GEMMMultiplyAdd>(
    _: F.Type, depth: Int, a: UnsafePointer<Float>, aStride: Int, b: UnsafePointer<Float>,
    alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?
) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
        let b0 = pb.loadUnaligned(as: SIMD8<Float>.self)
        let b1 = pb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        var av = SIMD8<Float>(repeating: pa[0])
        c00 = F.multiplyAdd(c00, av, b0); c01 = F.multiplyAdd(c01, av, b1)
        av = SIMD8<Float>(repeating: pa[1])
        c10 = F.multiplyAdd(c10, av, b0); c11 = F.multiplyAdd(c11, av, b1)
        av = SIMD8<Float>(repeating: pa[2])
        c20 = F.multiplyAdd(c20, av, b0); c21 = F.multiplyAdd(c21, av, b1)
        av = SIMD8<Float>(repeating: pa[3])
        c30 = F.multiplyAdd(c30, av, b0); c31 = F.multiplyAdd(c31, av, b1)
        av = SIMD8<Float>(repeating: pa[4])
        c40 = F.multiplyAdd(c40, av, b0); c41 = F.multiplyAdd(c41, av, b1)
        av = SIMD8<Float>(repeating: pa[5])
        c50 = F.multiplyAdd(c50, av, b0); c51 = F.multiplyAdd(c51, av, b1)
        pa += aStride
        pb += 64
    }
    var biasLo = SIMD8<Float>(), biasHi = SIMD8<Float>()
    if let bias {
        biasLo = UnsafeRawPointer(bias).loadUnaligned(as: SIMD8<Float>.self)
        biasHi = UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    }
    let hasBias = bias != nil
    storeRow(c00, c01, alpha: alpha, beta: beta, c, hasBias, biasLo, biasHi)
    storeRow(c10, c11, alpha: alpha, beta: beta, c + ldc, hasBias, biasLo, biasHi)
    storeRow(c20, c21, alpha: alpha, beta: beta, c + 2 * ldc, hasBias, biasLo, biasHi)
    storeRow(c30, c31, alpha: alpha, beta: beta, c + 3 * ldc, hasBias, biasLo, biasHi)
    storeRow(c40, c41, alpha: alpha, beta: beta, c + 4 * ldc, hasBias, biasLo, biasHi)
    storeRow(c50, c51, alpha: alpha, beta: beta, c + 5 * ldc, hasBias, biasLo, biasHi)
}

/// c[0..<16] = alpha · (lo ‖ hi) + beta · c[0..<16] (+ the bias lanes); beta = 0 does not read c.
@inlinable @inline(__always)
func storeRow(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>, alpha: Float, beta: Float,
              _ c: UnsafeMutablePointer<Float>, _ hasBias: Bool, _ biasLo: SIMD8<Float>, _ biasHi: SIMD8<Float>) {
    let raw = UnsafeMutableRawPointer(c)
    var outLo = lo * alpha, outHi = hi * alpha
    if beta != 0 {
        outLo += beta * raw.loadUnaligned(as: SIMD8<Float>.self)
        outHi += beta * raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    }
    if hasBias {
        outLo += biasLo
        outHi += biasHi
    }
    raw.storeBytes(of: outLo, as: SIMD8<Float>.self)
    raw.storeBytes(of: outHi, toByteOffset: 32, as: SIMD8<Float>.self)
}

/// C[0..<rows, 0..<columns] = tile + beta · C for a partial tile the micro-kernel wrote
/// (already scaled by alpha) into a 6×16 scratch; the same two roundings as `storeRow`.
@inlinable @inline(__always)
func mergeEdgeTile(_ tile: UnsafeMutablePointer<Float>, rows: Int, columns: Int, beta: Float,
                   c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?) {
    for i in 0..<rows {
        let src = tile + i * GEMMBlocking.nr, dst = c + i * ldc
        if beta == 0 {
            for j in 0..<columns { dst[j] = src[j] }
        } else {
            for j in 0..<columns { dst[j] = src[j] + beta * dst[j] }
        }
        if let bias { for j in 0..<columns { dst[j] += bias[j] } }
    }
}

/// C[M,N] = alpha · op(A) · B + beta · C without packing, for problems whose B (K×N, row-major,
/// not transposed) is small enough to stay in L1: the training shapes of the tiny models (K, N ≤
/// 64) and the per-(sequence, head) attention products (20×20×16), where packing and the 6×16
/// edge tiles of `gemmBlocked` cost more than the arithmetic. 4×16 register tiles read op(A)
/// straight from its rows (or, transposed, from its columns) and B straight from its rows; rows
/// past M repeat the last row and are not stored, columns past a multiple of 8 load zeros.
/// Each C element sums its K products in order, as `gemmBlocked` does. beta = 0 never reads C.
@inlinable
public func gemmDirect<F: GEMMMultiplyAdd>(
    _: F.Type, transposeA: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, bPadded: Bool,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>? = nil
) {
    // bPadded: each row of B may be read up to the next multiple of 8 columns (zeros there).
    let rowStride = transposeA ? 1 : lda, depthStride = transposeA ? lda : 1
    // `column`: the first column of C that `acc` holds (where its bias lanes start).
    @inline(__always) func finish(_ acc: SIMD8<Float>, _ dst: UnsafeMutablePointer<Float>, column: Int, lanes: Int) {
        if lanes == 8 {
            var out = acc * alpha
            if beta != 0 { out += beta * UnsafeRawPointer(dst).loadUnaligned(as: SIMD8<Float>.self) }
            if let bias { out += UnsafeRawPointer(bias + column).loadUnaligned(as: SIMD8<Float>.self) }
            UnsafeMutableRawPointer(dst).storeBytes(of: out, as: SIMD8<Float>.self)
        } else {
            for l in 0..<lanes {
                var out = beta == 0 ? alpha * acc[l] : alpha * acc[l] + beta * dst[l]
                if let bias { out += bias[column + l] }
                dst[l] = out
            }
        }
    }
    var i = 0
    while i < m {
        let rows = min(4, m - i)
        let a0 = a + i * rowStride
        let a1 = a0 + min(1, rows - 1) * rowStride
        let a2 = a0 + min(2, rows - 1) * rowStride
        let a3 = a0 + min(3, rows - 1) * rowStride
        let c0 = c + i * ldc
        var j = 0
        while j + 16 <= n {
            var x00 = SIMD8<Float>(), x01 = SIMD8<Float>(), x10 = SIMD8<Float>(), x11 = SIMD8<Float>()
            var x20 = SIMD8<Float>(), x21 = SIMD8<Float>(), x30 = SIMD8<Float>(), x31 = SIMD8<Float>()
            var pb = UnsafeRawPointer(b + j)
            let rowBytes = ldb * MemoryLayout<Float>.stride
            var q = 0
            for _ in 0..<k {
                let b0 = pb.loadUnaligned(as: SIMD8<Float>.self)
                let b1 = pb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                var av = SIMD8<Float>(repeating: a0[q])
                x00 = F.multiplyAdd(x00, av, b0); x01 = F.multiplyAdd(x01, av, b1)
                av = SIMD8<Float>(repeating: a1[q])
                x10 = F.multiplyAdd(x10, av, b0); x11 = F.multiplyAdd(x11, av, b1)
                av = SIMD8<Float>(repeating: a2[q])
                x20 = F.multiplyAdd(x20, av, b0); x21 = F.multiplyAdd(x21, av, b1)
                av = SIMD8<Float>(repeating: a3[q])
                x30 = F.multiplyAdd(x30, av, b0); x31 = F.multiplyAdd(x31, av, b1)
                pb += rowBytes
                q += depthStride
            }
            finish(x00, c0 + j, column: j, lanes: 8); finish(x01, c0 + j + 8, column: j + 8, lanes: 8)
            if rows > 1 { finish(x10, c0 + ldc + j, column: j, lanes: 8); finish(x11, c0 + ldc + j + 8, column: j + 8, lanes: 8) }
            if rows > 2 { finish(x20, c0 + 2 * ldc + j, column: j, lanes: 8); finish(x21, c0 + 2 * ldc + j + 8, column: j + 8, lanes: 8) }
            if rows > 3 { finish(x30, c0 + 3 * ldc + j, column: j, lanes: 8); finish(x31, c0 + 3 * ldc + j + 8, column: j + 8, lanes: 8) }
            j += 16
        }
        while j < n {
            let lanes = min(8, n - j)
            var x0 = SIMD8<Float>(), x1 = SIMD8<Float>(), x2 = SIMD8<Float>(), x3 = SIMD8<Float>()
            var pb = b + j
            var q = 0
            for _ in 0..<k {
                var bv = SIMD8<Float>()
                if lanes == 8 || bPadded {
                    bv = UnsafeRawPointer(pb).loadUnaligned(as: SIMD8<Float>.self)
                } else {
                    for l in 0..<lanes { bv[l] = pb[l] }
                }
                x0 = F.multiplyAdd(x0, SIMD8<Float>(repeating: a0[q]), bv)
                x1 = F.multiplyAdd(x1, SIMD8<Float>(repeating: a1[q]), bv)
                x2 = F.multiplyAdd(x2, SIMD8<Float>(repeating: a2[q]), bv)
                x3 = F.multiplyAdd(x3, SIMD8<Float>(repeating: a3[q]), bv)
                pb += ldb
                q += depthStride
            }
            finish(x0, c0 + j, column: j, lanes: lanes)
            if rows > 1 { finish(x1, c0 + ldc + j, column: j, lanes: lanes) }
            if rows > 2 { finish(x2, c0 + 2 * ldc + j, column: j, lanes: lanes) }
            if rows > 3 { finish(x3, c0 + 3 * ldc + j, column: j, lanes: lanes) }
            j += 8
        }
        i += 4
    }
}
