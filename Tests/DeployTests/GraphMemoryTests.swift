import XCTest
import Graph
@testable import Deploy

/// Graph → arena, planned by hand.
final class GraphMemoryTests: XCTestCase {
    /// input [4, 8] → fc [4, 16] → silu → mean [1, 16] → head [1, 3], one byte per value.
    private func chain() -> Graph {
        var g = Graph(name: "chain", mode: .windowed)
        let x = g.tensor("input", rows: 4, columns: 8, .input)
        let h = g.linear("fc", layer: "fc", x, rows: 4, weight: [Float](repeating: 0.1, count: 128), bias: nil, inFeatures: 8, outFeatures: 16)
        let s = g.apply(.unary(.silu), "silu", layer: "fc", [h], rows: 4, columns: 16)
        let m = g.apply(.meanRows, "mean", layer: "head", [s], rows: 1, columns: 16)
        _ = g.linear("head", layer: "head", m, rows: 1, weight: [Float](repeating: 0.1, count: 48), bias: [0, 0, 0],
                     inFeatures: 16, outFeatures: 3, role: .output)
        return g
    }

    func testElementwiseOpWritesOverTheInputThatDiesThere() throws {
        let plan = try GreedyMemoryPlanner().plan(MemoryGraph(chain(), bytesPerElement: 1))
        // fc.out and silu.out share one 64 B buffer [0, 2] at 0; input 32 [0, 0] at 64;
        // mean 16 [2, 3] clears the shared buffer → 64; head 16 [3, 3] clears mean → 0.
        XCTAssertEqual(plan.tensors.map(\.offset), [64, 0, 0, 64, 0])
        XCTAssertEqual(plan.headBytes, 96)
        XCTAssertEqual(plan.ops.map(\.liveBytes), [96, 64, 80, 32])
    }

    func testWithoutInPlaceTheSameGraphNeedsASecondBuffer() throws {
        var memory = MemoryGraph(chain(), bytesPerElement: 1)
        for i in memory.ops.indices { memory.ops[i].inPlace = false }
        let plan = try GreedyMemoryPlanner().plan(memory)
        // fc.out 64 [0, 1] at 0; silu.out 64 [1, 2] at 64; input 32 [0, 0] at 64; mean [2, 3] at 0; head [3, 3] at 16.
        XCTAssertEqual(plan.tensors.map(\.offset), [64, 0, 64, 0, 16])
        XCTAssertEqual(plan.headBytes, 128)
    }

    func testReportNamesThePeakAndEveryLayer() throws {
        let report = try RAMReport(float: chain(), bytesPerElement: 1)
        XCTAssertEqual(report.arenaBytes, 96)
        XCTAssertEqual(report.peakOp, "fc")
        XCTAssertEqual(report.layers.map(\.name), ["fc", "head"])
        XCTAssertEqual(report.layers.map(\.bytes), [96, 80])
        XCTAssertEqual(report.flashBytes, 128 + 48 + 3)
        XCTAssertEqual(report.macs, 4 * 8 * 16 + 16 * 3)
        XCTAssertEqual(report.ops[0].live.sorted(), ["fc.out", "input"])
    }
}
