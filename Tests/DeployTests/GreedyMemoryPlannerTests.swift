import XCTest
@testable import Deploy

final class GreedyMemoryPlannerTests: XCTestCase {
    /// input[1,20,11] → RESHAPE → [1,220] → FULLY_CONNECTED 64 (ReLU) → FULLY_CONNECTED 9, int8:
    /// the graph of the mlp fixture file that TFLM ran (`TFLiteFixtures.mlp`).
    static let mlpGraph = MemoryGraph(
        tensors: [
            MemoryTensor(name: "input", bytes: 220, kind: .input),
            MemoryTensor(name: "flat", bytes: 220, kind: .activation),
            MemoryTensor(name: "hidden", bytes: 64, kind: .activation),
            MemoryTensor(name: "logits", bytes: 9, kind: .output),
        ],
        ops: [
            MemoryOp(name: "reshape", type: .reshape, inputs: ["input"], outputs: ["flat"]),
            MemoryOp(name: "fc0", type: .fullyConnected, inputs: ["flat"], outputs: ["hidden"], macs: 220 * 64),
            MemoryOp(name: "fc1", type: .fullyConnected, inputs: ["hidden"], outputs: ["logits"], macs: 64 * 9),
        ])

    /// TFLite Micro's own head (its greedy planner's tensor area, RecordingMicroAllocator) for the
    /// same graph, from bench/tflite/check.py: 448 B.
    func testAnchorMatchesTFLiteMicroGreedyPlannerHead() throws {
        let plan = try GreedyMemoryPlanner().plan(Self.mlpGraph)
        XCTAssertEqual(plan.headBytes, TFLiteFixtures.mlp.head)
        XCTAssertEqual(plan.arenaBytes, TFLiteFixtures.mlp.head)
        // 224 (input) at 0; 224 (flat) beside it; hidden reuses input's bytes; logits after hidden.
        XCTAssertEqual(plan.tensors.map(\.offset), [0, 224, 0, 64])
        XCTAssertEqual(plan.tensors.map(\.alignedBytes), [224, 224, 64, 16])
        XCTAssertEqual(plan.ops.map(\.liveBytes), [448, 288, 80])
        XCTAssertEqual(plan.ops.map(\.arenaExtent), [448, 448, 80])
        XCTAssertEqual(plan.peakOp.name, "reshape")
    }

    /// Hand-placed (sizes after 16-byte alignment, lifetimes in steps):
    ///   b 128 [1,2] → 0;  in 64 [0,0] → 0 (no time overlap with b);  x 48 [0,1] → 128;
    ///   a 32 [0,2] → 176;  out 16 [2,2] → 128, the hole x leaves once step 1 is over.
    func testFirstFitReusesAHoleLeftByAShortLivedTensor() throws {
        let graph = MemoryGraph(
            tensors: [
                MemoryTensor(name: "in", bytes: 60, kind: .input),
                MemoryTensor(name: "a", bytes: 20, kind: .activation),
                MemoryTensor(name: "x", bytes: 40, kind: .activation),
                MemoryTensor(name: "b", bytes: 128, kind: .activation),
                MemoryTensor(name: "out", bytes: 9, kind: .output),
            ],
            ops: [
                MemoryOp(name: "split", type: OpType(rawValue: "SPLIT"), inputs: ["in"], outputs: ["a", "x"]),
                MemoryOp(name: "grow", type: .fullyConnected, inputs: ["x"], outputs: ["b"]),
                MemoryOp(name: "join", type: OpType(rawValue: "ADD"), inputs: ["a", "b"], outputs: ["out"]),
            ])
        let plan = try GreedyMemoryPlanner().plan(graph)
        XCTAssertEqual(plan.tensors.map(\.offset), [0, 176, 128, 0, 128])
        XCTAssertEqual(plan.headBytes, 208)
        XCTAssertEqual(plan.ops.map(\.liveBytes), [144, 208, 176])
        XCTAssertEqual(plan.peakStep, 0)
    }

    func testNoTwoTimeOverlappingTensorsShareBytes() throws {
        let plan = try GreedyMemoryPlanner().plan(Self.mlpGraph)
        for a in plan.tensors {
            for b in plan.tensors where a.name != b.name && a.lifetime.overlaps(b.lifetime) {
                XCTAssertTrue(a.end <= b.offset || b.end <= a.offset, "\(a.name) overlaps \(b.name)")
            }
        }
        XCTAssertTrue(plan.tensors.allSatisfy { $0.offset % 16 == 0 })
    }

    func testPersistentTensorsSitAfterTheHead() throws {
        var graph = Self.mlpGraph
        graph.tensors.append(MemoryTensor(name: "state", bytes: 100, kind: .persistent))
        graph.ops[1].inputs.append("state")
        let plan = try GreedyMemoryPlanner().plan(graph)
        XCTAssertEqual(plan.headBytes, 448)
        XCTAssertEqual(plan.persistentBytes, 112)
        XCTAssertEqual(plan.arenaBytes, 560)
        XCTAssertEqual(plan.tensors.first { $0.name == "state" }?.offset, 448)
        XCTAssertEqual(plan.ops.map(\.liveBytes), [560, 400, 192])
    }

    func testScratchCountsOnlyDuringItsOp() throws {
        var graph = Self.mlpGraph
        graph.tensors.append(MemoryTensor(name: "fc1.scratch", bytes: 300, kind: .scratch))
        graph.ops[2].scratch = ["fc1.scratch"]
        let plan = try GreedyMemoryPlanner().plan(graph)
        // Largest first: scratch 304 [2,2] at 0; input at 0 (no overlap); flat 224 [0,1] at 224;
        // hidden 64 [1,2] must clear scratch and flat → 448; logits 16 [2,2] fits the hole at 304.
        XCTAssertEqual(plan.tensors.map(\.offset), [0, 224, 448, 304, 0])
        XCTAssertEqual(plan.headBytes, 512)
        XCTAssertEqual(plan.ops.map(\.arenaExtent), [448, 512, 512])
        XCTAssertEqual(plan.ops.map(\.liveBytes), [448, 288, 384])
        XCTAssertEqual(plan.peakOp.name, "fc0", "the first op to reach the high-water mark")
    }
}
