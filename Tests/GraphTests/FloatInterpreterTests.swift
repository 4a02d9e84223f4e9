import XCTest
@testable import Graph

/// The float interpreter against hand-computed values on tiny graphs.
final class FloatInterpreterTests: XCTestCase {
    func testFullyConnectedWithReluAndBandOperands() throws {
        var g = Graph(name: "hand", mode: .windowed)
        let x = g.tensor("input", rows: 2, columns: 3, .input)
        // Read columns 1…2 only: W [2, 1] = (1, −1), b = 0.5 → y = x1 − x2 + 0.5, then ReLU.
        _ = g.linear("fc", layer: "fc", x.band(1, 2), rows: 2, weight: [1, -1], bias: [0.5], inFeatures: 2, outFeatures: 1,
                     relu: true, role: .output)
        let y = try FloatInterpreter(g).run([9, 3, 1, 9, 1, 3])
        XCTAssertEqual(y, [2.5, 0])
    }

    func testAttentionWithEqualKeysAveragesTheValues() throws {
        var g = Graph(name: "attn", mode: .windowed)
        let x = g.tensor("input", rows: 2, columns: 3, .input)
        _ = g.apply(.attention(heads: 1, queries: nil), "attn", layer: "attn", [x.band(0, 1), x.band(1, 1), x.band(2, 1)],
                    rows: 2, columns: 1, role: .output)
        // q, k, v per row; both keys are 1, so the weights are equal whatever the query: mean of v.
        let y = try FloatInterpreter(g).run([5, 1, 2, -3, 1, 6])
        XCTAssertEqual(y[0], 4, accuracy: 1e-6)
        XCTAssertEqual(y[1], 4, accuracy: 1e-6)
    }

    func testStreamingConvAndRunningMeanMatchTheirWindowedForms() throws {
        let weight: [Float] = [0.5, -1, 2, 0.25, 1, -0.5], bias: [Float] = [0.1, -0.2]
        func graph(_ mode: ExecutionMode) -> Graph {
            var g = Graph(name: "conv", mode: mode)
            let rows = mode == .windowed ? 4 : 1
            let x = g.tensor("input", rows: rows, columns: 2, .input)
            let w = g.weight("w", shape: [3, 2], weight), b = g.weight("b", shape: [2], bias)
            let y = g.tensor("conv.out", rows: rows, columns: 2)
            if mode == .streaming {
                let history = g.tensor("history", rows: 2, columns: 2, .persistent)
                g.op("conv", layer: "c", .causalDepthwiseConv(weight: w, bias: b), inputs: [x, history], outputs: [y.tensor, history.tensor])
                let sum = g.tensor("sum", rows: 1, columns: 2, .persistent)
                let out = g.tensor("pool.out", rows: 1, columns: 2, .output)
                g.op("pool", layer: "p", .runningMean(steps: 4), inputs: [y, sum], outputs: [out.tensor, sum.tensor])
            } else {
                g.op("conv", layer: "c", .causalDepthwiseConv(weight: w, bias: b), inputs: [x], outputs: [y.tensor])
                _ = g.apply(.meanRows, "pool", layer: "p", [y], rows: 1, columns: 2, role: .output)
            }
            return g
        }
        let window: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        let windowed = try FloatInterpreter(graph(.windowed)).run(window)
        let stream = try FloatInterpreter(graph(.streaming))
        var last: [Float] = []
        for t in 0..<4 { last = stream.run(Array(window[(2 * t)..<(2 * t + 2)])) }
        // Channel 0 by hand: y_t = 0.1 + 0.5·x_{t−2} + 2·x_{t−1} + 1·x_t over x = 1, 3, 5, 7.
        let channel0: [Float] = [0.1 + 1, 0.1 + 2 + 3, 0.1 + 0.5 + 6 + 5, 0.1 + 1.5 + 10 + 7]
        XCTAssertEqual(windowed[0], channel0.reduce(0, +) / 4, accuracy: 1e-5)
        XCTAssertEqual(last[0], windowed[0], accuracy: 1e-5)
        XCTAssertEqual(last[1], windowed[1], accuracy: 1e-5)
    }

    func testUnknownWeightIsRefusedByName() {
        var g = Graph(name: "bad", mode: .windowed)
        let x = g.tensor("input", rows: 1, columns: 2, .input)
        _ = g.apply(.addWeight("nowhere"), "add", layer: "a", [x], rows: 1, columns: 2, role: .output)
        XCTAssertThrowsError(try FloatInterpreter(g)) { error in
            XCTAssertEqual(error as? GraphError, .unknownWeight(op: "add", weight: "nowhere"))
        }
    }
}
