import CTinyCPU
import Foundation
import TinyTensorKernels
#if canImport(TinyTensorHaswell)
import TinyTensorHaswell
#endif

/// Which compiled copy of the blocked GEMM a call runs.
enum GEMMKernel: Sendable {
    /// `TinyTensorHaswell`: the kernels compiled with AVX2+FMA code generation.
    case haswell
    /// The kernels compiled for the baseline target of this build (SSE2 on x86-64, NEON on arm64).
    case portable
}

/// The GEMM kernel this process uses, chosen once at first use.
///
/// The AVX2+FMA build runs when it was compiled in (x86-64), the CPU reports AVX2 and FMA, and
/// `TINYLOC_ISA` is not `portable`; otherwise the portable build runs. Every call in a process
/// takes the same kernel, so results are reproducible run to run on one machine.
public enum GEMMBackend {
    static let cpuHasAVX2FMA = tinyloc_cpu_has_avx2_fma() != 0
    static let kernel = choose(isaOverride: ProcessInfo.processInfo.environment["TINYLOC_ISA"],
                               cpuHasAVX2FMA: cpuHasAVX2FMA)

    /// One line naming the running kernel and, for the portable x86-64 build, why it is slower.
    public static var active: String {
        describe(kernel, cpuHasAVX2FMA: cpuHasAVX2FMA)
    }

    static func choose(isaOverride: String?, cpuHasAVX2FMA: Bool) -> GEMMKernel {
        #if canImport(TinyTensorHaswell)
        if cpuHasAVX2FMA && isaOverride?.lowercased() != "portable" { return .haswell }
        #endif
        return .portable
    }

    static func describe(_ kernel: GEMMKernel, cpuHasAVX2FMA: Bool) -> String {
        switch kernel {
        case .haswell:
            return "avx2+fma: 6x16 micro-kernel, 256-bit fused multiply-add"
        case .portable:
            #if arch(x86_64)
            let reason = cpuHasAVX2FMA ? "forced by TINYLOC_ISA=portable" : "this CPU lacks AVX2+FMA"
            return "portable x86-64 baseline (\(reason)): SSE2 gives 4-wide vectors and no FMA, "
                + "so each multiply-add is two instructions and the 6x16 tile spills registers; "
                + "expect a fraction of the avx2+fma speed"
            #elseif arch(arm64)
            return "portable arm64: 6x16 micro-kernel, NEON fused multiply-add"
            #else
            return "portable \(String(cString: tinyloc_cpu_vector_isa())): 6x16 micro-kernel"
            #endif
        }
    }
}

extension GEMMKernel {
    /// Runs the serial blocked GEMM of this build on one block of C (k > 0).
    @inline(__always)
    func run(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, scratch: GEMMScratch
    ) {
        switch self {
        case .haswell:
            #if canImport(TinyTensorHaswell)
            gemmBlockedHaswell(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                               alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                               beta: beta, c: c, ldc: ldc, bias: bias, scratch: scratch)
            #else
            preconditionFailure("the AVX2+FMA GEMM is not compiled into this build")
            #endif
        case .portable:
            gemmBlockedPortable(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                beta: beta, c: c, ldc: ldc, bias: bias, scratch: scratch)
        }
    }
}

/// `gemmBlocked` specialised with this module's baseline code generation. x86-64 without FMA
/// multiplies then adds (a fused `addingProduct` would be a libm call per lane there).
@inline(never)
func gemmBlockedPortable(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, scratch: GEMMScratch
) {
    #if arch(x86_64)
    typealias MultiplyAdd = SeparateMultiplyAdd
    #else
    typealias MultiplyAdd = FusedMultiplyAdd
    #endif
    gemmBlocked(MultiplyAdd.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                bias: bias, scratch: scratch)
}
