import XCTest
import Models
@testable import Compression

final class QuantizedDenseLayerTests: XCTestCase {
    func testBiasMultiplierAndReluClampFollowTheScales() {
        let layer = DenseLayerParameters(name: "fc", inFeatures: 2, outFeatures: 2,
                                         weight: [1, -0.5, -2, 0.25], bias: [0.3, -0.1], activation: .relu)
        let input = AffineQuantization(scale: 0.02, zeroPoint: 5)
        let output = AffineQuantization(min: 0, max: 3)
        let q = QuantizedDenseLayer(converting: layer, input: input, output: output)
        let weightScales = q.weights.scales
        for c in 0..<2 {
            let biasScale = Double(input.scale) * Double(weightScales[c])
            XCTAssertEqual(q.bias[c], Int32((Double(layer.bias[c]) / biasScale).rounded(.toNearestOrAwayFromZero)))
            XCTAssertEqual(q.multipliers[c], QuantizedMultiplier(Double(input.scale) * Double(weightScales[c]) / Double(output.scale)))
        }
        XCTAssertEqual(q.activationMin, output.zeroPoint)
        XCTAssertEqual(q.activationMax, 127)
    }

    func testIntegerForwardMatchesAHandComputation() {
        // Powers of two throughout so every scale is exact: max-abs weight 127/128 gives s_w = 1/128.
        let layer = DenseLayerParameters(name: "fc", inFeatures: 2, outFeatures: 1,
                                         weight: [127.0 / 128, -64.0 / 128], bias: [0.5], activation: .none)
        let input = AffineQuantization(scale: 0.25, zeroPoint: -3)
        let output = AffineQuantization(scale: 0.125, zeroPoint: 10)
        let q = QuantizedDenseLayer(converting: layer, input: input, output: output)
        XCTAssertEqual(q.weights.values, [127, -64])
        XCTAssertEqual(q.bias, [256])                      // 0.5 / (0.25 · 1/128)
        // x = (1.0, 0.5) → q_x = (1, −1); acc = 127·(1+3) − 64·(−1+3) + 256 = 636;
        // M = (1/512) / (1/8) = 1/64; 636 / 64 = 9.94 → 10; plus z_y = 10.
        XCTAssertEqual(q.multipliers, [QuantizedMultiplier(significand: 1 << 30, shift: -5)])
        let y = q.forward([1, 0.5].map(input.quantize), batch: 1)
        XCTAssertEqual(y, [20])
        // The float layer gives 127/128 − 32/128 + 0.5 = 1.2421875; int8 says 1.25.
        XCTAssertEqual(output.dequantize(y[0]), layer.forward([1, 0.5], batch: 1)[0], accuracy: output.scale / 2)
    }
}
