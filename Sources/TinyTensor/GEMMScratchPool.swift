import Foundation
import TinyTensorKernels

/// Reusable packing buffers for the GEMM, so that steady-state calls allocate nothing.
///
/// A call borrows one scratch per parallel chunk and returns it when done; the pool grows to the
/// largest number of chunks ever running at once (one per thread calling `gemm` times the chunks
/// each runs) and keeps those buffers for the life of the process (about 2.2 MB each, of which
/// only the pages a problem touches become resident). The lock makes borrowing safe from any
/// number of threads.
final class GEMMScratchPool: @unchecked Sendable {
    static let shared = GEMMScratchPool()

    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []

    private static let alignment = 64
    /// Each region rounded up to whole 64-byte lines so the next one starts aligned.
    private static let regionFloats: [Int] = [
        GEMMBlocking.packedACount, GEMMBlocking.packedBCount, GEMMBlocking.edgeTileCount,
    ].map { ($0 + 15) / 16 * 16 }

    func withScratch<R>(_ body: (GEMMScratch) -> R) -> R {
        lock.lock()
        let borrowed = idle.popLast()
        lock.unlock()
        let block = borrowed ?? Self.allocateBlock()
        defer {
            lock.lock()
            idle.append(block)
            lock.unlock()
        }
        let floats = block.assumingMemoryBound(to: Float.self)
        let sizes = Self.regionFloats
        return body(GEMMScratch(packedA: floats, packedB: floats + sizes[0],
                                edgeTile: floats + sizes[0] + sizes[1]))
    }

    private static func allocateBlock() -> UnsafeMutableRawPointer {
        let bytes = regionFloats.reduce(0, +) * MemoryLayout<Float>.stride
        let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
        block.bindMemory(to: Float.self, capacity: bytes / MemoryLayout<Float>.stride)
        return block
    }
}
