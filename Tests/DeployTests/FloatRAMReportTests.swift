import XCTest
@testable import Deploy
import Models

final class FloatRAMReportTests: XCTestCase {
    private func report(_ kind: ModelKind = .mamba, steps: Int = 20, pooling: MambaConfig.Pooling = .mean) throws -> FloatRAMReport {
        var config = kind == .mamba ? MambaConfig.mamba : .wide
        config.pooling = pooling
        let model = Mamba(kind: kind, shape: ModelShape(steps: steps, features: 11, classes: 9), config: config, seed: 1)
        return try FloatRAMReport(model, steps: steps)
    }

    func testStreamingRAMDoesNotGrowWithTheWindowButWindowedDoes() throws {
        let short = try report(steps: 20), long = try report(steps: 200)
        XCTAssertEqual(short.streaming, long.streaming)
        XCTAssertEqual(short.layers.map(\.streamingBytes), long.layers.map(\.streamingBytes))
        XCTAssertGreaterThan(long.windowed.arenaBytes, 5 * short.windowed.arenaBytes)
        XCTAssertLessThan(short.streaming.arenaBytes, short.windowed.arenaBytes)
    }

    func testStreamingStateIsHConvHistoryAndTheRunningSum() throws {
        let mean = try report()
        // Per block h 32·8 floats and conv history 3·32 floats; mean pooling adds the d = 16 sum.
        XCTAssertEqual(mean.streamingState.map(\.name), ["block0.conv_state", "block0.h", "block1.conv_state", "block1.h", "pool.sum"])
        XCTAssertEqual(mean.streamingState.map(\.bytes), [384, 1024, 384, 1024, 64])
        XCTAssertEqual(mean.streaming.persistentBytes, 2 * (1024 + 384) + 64)
        XCTAssertEqual(mean.windowed.persistentBytes, 0)
        let last = try report(pooling: .last)
        XCTAssertEqual(last.streaming.persistentBytes, 2 * (1024 + 384))
        XCTAssertNil(last.layers.first { $0.name == "pool" }?.streamingBytes)
        XCTAssertNotNil(last.layers.first { $0.name == "pool" }?.windowedBytes)
    }

    func testLayersFlashAndTheWindowedPlanAgreeWithTheGraph() throws {
        let r = try report()
        XCTAssertEqual(r.layers.map(\.name), ["embed", "block0", "block1", "norm", "pool", "head"])
        XCTAssertEqual(r.flashBytes, 5_577 * 4)
        XCTAssertEqual(r.precision, "float32")
        // Layer figures are live bytes; the arena can be larger where placement leaves holes.
        XCTAssertLessThanOrEqual(r.layers.compactMap(\.windowedBytes).max()!, r.windowed.arenaBytes)
        XCTAssertEqual(r.layers.filter(\.isWindowedPeak).map(\.name), [r.windowed.peakLayer])
        // in_proj's [T, 2E] output alone is 20·64·4 bytes; the block holds it with more beside it.
        XCTAssertGreaterThan(r.layers[1].windowedBytes!, 20 * 64 * 4)
        let model = Mamba(shape: ModelShape(steps: 20, features: 11, classes: 9), seed: 1)
        XCTAssertEqual(r.windowed.macs, model.executionGraph(.windowed).totalMACs)
    }
}
