import Foundation
import Graph
import XCTest
@testable import Compression

/// Every entry of every table against the exact function, written here independently.
final class LookupTableTests: XCTestCase {
    private func exact(_ f: UnaryFunction, _ x: Double) -> Double {
        switch f {
        case .relu: return max(0, x)
        case .gelu: return x * 0.5 * (1 + erf(x / sqrt(2)))
        case .silu: return x / (1 + exp(-x))
        case .sigmoid: return 1 / (1 + exp(-x))
        case .tanh: return tanh(x)
        case .softplus: return log(1 + exp(x))
        case .elu: return x > 0 ? x : exp(x) - 1
        case .exp: return exp(x)
        }
    }

    func testInt8TablesHoldTheRoundedFunctionAtEveryCode() {
        let input = TensorQuantization(min: -6, max: 5, bits: 8)
        for f in UnaryFunction.allCases {
            let values = (-128...127).map { exact(f, Double(input.scale) * Double(Int32($0) - input.zeroPoint)) }
            let output = TensorQuantization(min: Float(values.min()!), max: Float(values.max()!), bits: 8)
            let table = GraphQuantizer.table(f, input: input, output: output)
            XCTAssertEqual(table.values.count, 256)
            for (i, v) in values.enumerated() {
                // The nearest code, as computed from the function directly (ties cannot matter at this resolution).
                let nearest = min(max((v / Double(output.scale)).rounded() + Double(output.zeroPoint), -128), 127)
                XCTAssertEqual(Double(table.values[i]), nearest, accuracy: 0, "\(f) at code \(i - 128)")
                XCTAssertEqual(table.apply(Int32(i - 128)), table.values[i])
            }
        }
    }

    /// int16 input: 513 nodes 128 codes apart, each the rounded function; between nodes the
    /// interpolation errs by at most the curvature term max|f''|·(128·s)²/8 plus one output unit.
    func testInt16TablesInterpolateWithinTheCurvatureBound() {
        let q12 = TensorQuantization(scale: 1.0 / 4096, zeroPoint: 0, bits: 16)
        let q15 = TensorQuantization(scale: 1.0 / 32768, zeroPoint: 0, bits: 16)
        for (f, curvature) in [(UnaryFunction.sigmoid, 0.1), (.tanh, 0.77)] {
            let table = GraphQuantizer.table(f, input: q12, output: q15)
            XCTAssertEqual(table.values.count, 513)
            for i in 0..<513 {
                let x = Double(i * 128 - 32768) / 4096
                XCTAssertEqual(Double(table.values[i]), min(max((exact(f, x) * 32768).rounded(), -32767), 32767), accuracy: 0, "\(f) node \(i)")
            }
            let bound = curvature * pow(128.0 / 4096, 2) / 8 + 1.5 / 32768
            for code in stride(from: -32767, through: 32767, by: 37) {
                let got = Double(table.apply(Int32(code))) / 32768
                XCTAssertEqual(got, exact(f, Double(code) / 4096), accuracy: bound, "\(f) at \(code)")
            }
        }
    }
}
