import XCTest
import Models
import Compression
@testable import Deploy

final class QuantizedMLPDeploymentTests: XCTestCase {
    /// 220 → 64 ReLU → 9 with deterministic weights; the figures below depend only on the shapes.
    private static let model: QuantizedMLP = {
        let sizes = [220, 64, 9]
        let float = (0..<2).map { k in
            let (n, m) = (sizes[k], sizes[k + 1])
            return DenseLayerParameters(name: "fc\(k)", inFeatures: n, outFeatures: m,
                                        weight: (0..<n * m).map { i -> Float in
                                            let centred: Int = (i * 7919) % 255 - 127
                                            return Float(centred) / 1000
                                        },
                                        bias: (0..<m).map { Float($0 % 5) / 100 }, activation: k == 0 ? .relu : .none)
        }
        let calibration: [Float] = (0..<20 * 220).map { i -> Float in
            let centred: Int = (i * 31) % 101 - 50
            return Float(centred) / 50
        }
        return QuantizedMLP(converting: float, calibration: calibration)
    }()

    func testBuilderAddsTFLiteStyleReshapeAndGivesTheAnchor448() throws {
        let graph = MemoryGraph(Self.model, inputShape: [1, 20, 11])
        XCTAssertEqual(graph.ops.map(\.type), [.reshape, .fullyConnected, .fullyConnected])
        XCTAssertEqual(graph.tensors.map(\.bytes), [220, 220, 64, 9])
        XCTAssertEqual(graph.ops.map(\.macs), [0, 220 * 64, 64 * 9])
        XCTAssertEqual(graph.totalMACs, 14_656)
        let plan = try GreedyMemoryPlanner().plan(graph)
        XCTAssertEqual(plan.headBytes, 448)
        XCTAssertEqual(plan.ops.map(\.name), ["reshape", "fc0", "fc1"])
    }

    func testAlreadyFlatInputNeedsNoReshape() throws {
        let graph = MemoryGraph(Self.model)
        XCTAssertEqual(graph.ops.map(\.type), [.fullyConnected, .fullyConnected])
        // input 224 [0,0] at 0; hidden 64 [0,1] at 224; logits 16 [1,1] reuses 0.
        XCTAssertEqual(try GreedyMemoryPlanner().plan(graph).headBytes, 288)
    }

    func testFlashItemisationSumsToTheHandCount() {
        let flash = FlashBreakdown(Self.model)
        XCTAssertEqual(flash.bytes(item: .weights), 220 * 64 + 64 * 9)
        XCTAssertEqual(flash.bytes(item: .bias), 4 * (64 + 9))
        XCTAssertEqual(flash.bytes(item: .channelMultipliers), 4 * (64 + 9))
        XCTAssertEqual(flash.bytes(item: .channelShifts), 4 * (64 + 9))
        XCTAssertEqual(flash.bytes(item: .tensorQuantization), 8 * 3)
        XCTAssertEqual(flash.bytes(owner: "fc1"), 64 * 9 + 3 * 4 * 9 + 8)
        XCTAssertEqual(flash.totalBytes, FlashBreakdown.Item.allCases.map(flash.bytes(item:)).reduce(0, +))
        XCTAssertEqual(flash.totalBytes, 14_656 + 3 * 292 + 24)
    }

    func testLatencyAndEnergyFollowTheStatedFormulas() throws {
        let chip = MCUProfile.nRF52840
        XCTAssertEqual(chip.latencyMilliseconds(macs: 64_000), 1, accuracy: 1e-12)          // 64 000 cycles at 64 MHz
        XCTAssertEqual(chip.energyMicrojoules(macs: 64_000), 3.0 * 3.3, accuracy: 1e-9)      // V · mA · ms
        let estimate = try DeploymentEstimate(Self.model, inputShape: [1, 20, 11], on: chip)
        XCTAssertEqual(estimate.plan.arenaBytes, 448)
        XCTAssertEqual(estimate.macs, 14_656)
        XCTAssertTrue(estimate.fits)
        XCTAssertEqual(estimate.latencyMilliseconds, 14_656 / 64e3, accuracy: 1e-12)
        XCTAssertEqual(Set(MCUProfile.catalogue.map(\.name)).count, MCUProfile.catalogue.count)
        XCTAssertFalse(MCUProfile.stm32L476.fits(ramBytes: 200 * 1024, flashBytes: 1000))
    }
}
