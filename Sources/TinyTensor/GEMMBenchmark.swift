import Dispatch

/// One GEMM problem: C[M,N] = op(A)[M,K] · op(B)[K,N], packed (lda, ldb, ldc = row lengths).
public struct GEMMShape: Sendable, Equatable {
    public var m: Int, n: Int, k: Int
    public var transposeA: Bool, transposeB: Bool

    public init(m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false) {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
    }

    /// The shapes of training the small models: a batch of 1280 rows through 64- and 256-wide
    /// layers, and the weight gradient Xᵀ·dY of a 64×64 layer over that batch.
    public static let training: [GEMMShape] = [
        GEMMShape(m: 1280, k: 64, n: 64),
        GEMMShape(m: 1280, k: 64, n: 256),
        GEMMShape(m: 1280, k: 256, n: 64),
        GEMMShape(m: 64, k: 1280, n: 64, transposeA: true),
    ]

    /// The teacher's big products at batch 64, T 20 (1280 rows, d 64): the gated residual
    /// network's fc1/ctx (64 → 256), fc2 (256 → 256) and gate (256 → 128) forward, input and
    /// weight gradients, and the k = 7 causal convolution on its im2col columns (448 → 64).
    public static let teacher: [GEMMShape] = [
        GEMMShape(m: 1280, k: 64, n: 256),
        GEMMShape(m: 1280, k: 256, n: 256),
        GEMMShape(m: 1280, k: 256, n: 128),
        GEMMShape(m: 1280, k: 256, n: 64, transposeB: true),
        GEMMShape(m: 1280, k: 128, n: 256, transposeB: true),
        GEMMShape(m: 64, k: 1280, n: 256, transposeA: true),
        GEMMShape(m: 256, k: 1280, n: 256, transposeA: true),
        GEMMShape(m: 256, k: 1280, n: 128, transposeA: true),
        GEMMShape(m: 1280, k: 448, n: 64),
        GEMMShape(m: 1280, k: 64, n: 448, transposeB: true),
        GEMMShape(m: 448, k: 1280, n: 64, transposeA: true),
    ]
}

/// Measured GEMM speed for one shape: 2·M·N·K floating-point operations per call.
public struct GEMMBenchmarkResult: Sendable {
    public var m: Int, n: Int, k: Int
    public var transposeA: Bool, transposeB: Bool
    /// Median over the repeats of 2·M·N·K / seconds per call, in 10⁹ per second.
    public var gflops: Double
    public var threads: Int
}

/// Times `gemm` (beta = 0) on each shape with the active kernel and `threads` worker threads.
///
/// Each repeat times enough back-to-back calls to last about 2 ms (as judged by a warm call),
/// and the median repeat is reported. `Parallelism.threads` is set to `threads` for the duration
/// and restored, so run it while no other engine work is running.
public func benchmarkGEMM(shapes: [GEMMShape] = GEMMShape.training, repeats: Int = 15,
                          threads: Int = Parallelism.threads) -> [GEMMBenchmarkResult] {
    precondition(repeats > 0 && threads > 0, "benchmarkGEMM: repeats and threads must be positive")
    let savedThreads = Parallelism.threads
    Parallelism.threads = threads
    defer { Parallelism.threads = savedThreads }

    var rng = SeededRNG(seed: 0x6E4D)
    return shapes.map { shape in
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let a = Tensor([m * k]), b = Tensor([k * n]), c = Tensor([m * n])
        for i in 0..<a.count { a[i] = rng.uniform() * 2 - 1 }
        for i in 0..<b.count { b[i] = rng.uniform() * 2 - 1 }
        let lda = shape.transposeA ? m : k, ldb = shape.transposeB ? k : n
        let call = {
            gemm(transposeA: shape.transposeA, transposeB: shape.transposeB, m: m, n: n, k: k,
                 a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 0, c: c.data, ldc: n)
        }
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        call()  // faults in the packing scratch and C
        // ≈ 200 ms of calls before timing: the first shape of a run otherwise measured 70–80 % of
        // its speed in some runs on the shared VM (clock and vCPU still ramping up); 20 ms was
        // not always enough.
        let rampStart = DispatchTime.now().uptimeNanoseconds
        while DispatchTime.now().uptimeNanoseconds - rampStart < 200_000_000 { call() }
        let warmUpStart = DispatchTime.now().uptimeNanoseconds
        call()
        let warmUpSeconds = Double(DispatchTime.now().uptimeNanoseconds - warmUpStart) * 1e-9
        let calls = max(1, min(100_000, Int(2e-3 / max(warmUpSeconds, 1e-9))))
        var rates: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { call() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            rates.append(flops * Double(calls) / seconds / 1e9)
        }
        rates.sort()
        return GEMMBenchmarkResult(m: m, n: n, k: k, transposeA: shape.transposeA,
                                   transposeB: shape.transposeB, gflops: rates[rates.count / 2],
                                   threads: threads)
    }
}
