import XCTest
@testable import Deploy

final class TensorLifetimeTests: XCTestCase {
    private func op(_ name: String, _ inputs: [String], _ outputs: [String], scratch: [String] = []) -> MemoryOp {
        MemoryOp(name: name, type: OpType(rawValue: "OP"), inputs: inputs, outputs: outputs, scratch: scratch)
    }

    func testLifetimeRulesByKind() throws {
        let graph = MemoryGraph(
            tensors: [
                MemoryTensor(name: "in", bytes: 8, kind: .input),          // read at steps 0 and 2
                MemoryTensor(name: "early", bytes: 8, kind: .output),      // written at 0, kept to the end
                MemoryTensor(name: "unused", bytes: 8, kind: .activation), // written at 1, never read
                MemoryTensor(name: "mid", bytes: 8, kind: .activation),    // written at 0, read at 2
                MemoryTensor(name: "tmp", bytes: 8, kind: .scratch),       // op 1's scratch
                MemoryTensor(name: "state", bytes: 8, kind: .persistent),
                MemoryTensor(name: "last", bytes: 8, kind: .output),
                MemoryTensor(name: "lateInput", bytes: 8, kind: .input),   // first read at 3
            ],
            ops: [
                op("a", ["in"], ["early", "mid"]),
                op("b", ["state"], ["unused"], scratch: ["tmp"]),
                op("c", ["in", "mid"], ["last"]),
                op("d", ["lateInput"], []),
            ])
        let lifetimes = try graph.lifetimes()
        XCTAssertEqual(lifetimes.map { [$0.first, $0.last] },
                       [[0, 2], [0, 3], [1, 1], [0, 2], [1, 1], [0, 3], [2, 3], [0, 3]])
    }

    func testMalformedGraphsAreRejectedByName() {
        func error(_ tensors: [MemoryTensor], _ ops: [MemoryOp]) -> MemoryGraphError? {
            do { _ = try MemoryGraph(tensors: tensors, ops: ops).lifetimes(); return nil } catch { return error as? MemoryGraphError }
        }
        let t = MemoryTensor(name: "t", bytes: 1, kind: .activation)
        let i = MemoryTensor(name: "i", bytes: 1, kind: .input)
        XCTAssertEqual(error([i], []), .noOps)
        XCTAssertEqual(error([i, i], [op("a", ["i"], [])]), .duplicateTensor("i"))
        XCTAssertEqual(error([i], [op("a", ["nope"], [])]), .unknownTensor(op: "a", tensor: "nope"))
        XCTAssertEqual(error([i, t], [op("a", ["i"], [])]), .producerCount(tensor: "t", count: 0))
        XCTAssertEqual(error([i, t], [op("a", ["i"], ["t"]), op("b", ["i"], ["t"])]), .producerCount(tensor: "t", count: 2))
        XCTAssertEqual(error([i, t], [op("a", ["t"], []), op("b", ["i"], ["t"])]), .readBeforeWritten(op: "a", tensor: "t"))
        XCTAssertEqual(error([i], [op("a", [], ["i"])]), .kindMisuse(op: "a", tensor: "i", kind: .input))
        XCTAssertEqual(error([i, t], [op("a", ["i"], ["t"], scratch: ["t"])]), .kindMisuse(op: "a", tensor: "t", kind: .activation))
    }
}
