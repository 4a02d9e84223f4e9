import Foundation
import Localisation
import Models
import XCTest
@testable import Sessions

/// `training.rssiNoiseDB` in session.json: sessions written before it read as 0 (no noise), bad
/// values are refused naming the field, and the across-window trainer, which adds no noise, is
/// not given a noise it would silently ignore.
final class RSSINoiseSessionTests: XCTestCase {
    func testASessionWrittenWithoutTheFieldReadsAsNoNoise() throws {
        var config = SessionConfig(name: "old")
        config.training.receiverDropout = 0.3
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        var training = try XCTUnwrap(json["training"] as? [String: Any])
        XCTAssertNotNil(training.removeValue(forKey: "rssiNoiseDB"), "the field must be written")
        json["training"] = training
        let old = try JSONDecoder().decode(SessionConfig.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old.training.rssiNoiseDB, 0)
        XCTAssertEqual(old.training.receiverDropout, 0.3)

        config.training.rssiNoiseDB = 4
        XCTAssertEqual(try JSONDecoder().decode(SessionConfig.self, from: JSONEncoder().encode(config)), config)
        XCTAssertNoThrow(try config.validate())
    }

    func testBadNoiseIsRefusedNamingTheField() {
        for bad: Float in [-1, .nan, .infinity, 61] {
            var config = SessionConfig(name: "bad")
            config.training.rssiNoiseDB = bad
            XCTAssertThrowsError(try config.validate(), "\(bad)") { error in
                XCTAssertEqual((error as? SessionConfig.Problem)?.path, "training.rssiNoiseDB", "\(error)")
            }
        }
        var across = SessionConfig(name: "across")
        across.model = ModelConfig(kind: .mamba)
        across.model.mamba = .mamba
        across.model.mamba?.pooling = .last
        across.acrossWindows = AcrossWindowsConfig(windowsPerSegment: 4, burnInWindows: 2)
        XCTAssertNoThrow(try across.validate(), "the across-window session itself must be valid")
        across.training.rssiNoiseDB = 2
        XCTAssertThrowsError(try across.validate()) { error in
            XCTAssertEqual((error as? SessionConfig.Problem)?.path, "training.rssiNoiseDB", "\(error)")
        }
    }

    /// The noise is asked in dB, so its scale must follow the features: (dBm + 120)/60 on the fixed
    /// map, then divided by the fitted range with min/max scaling.
    func testTheDBScaleFollowsTheScaler() {
        // Two receivers, no accelerometer: features RSSI 0, RSSI 1, heard 0, heard 1. Receiver 0
        // spans 0…0.5 of the fixed map (−120…−90 dBm), receiver 1 0…0.25 (−120…−105 dBm).
        let x: [Float] = [0.5, 0.25, 1, 1,
                          0.1, 0, 1, 0]
        let set = WindowSet(count: 2, length: 1, features: 4, x: x, labels: [0, 1], recordingIndex: [0, 0],
                            startTimes: [0, 1], rooms: ["a", "b"], featureNames: ["r0", "r1", "h0", "h1"])
        let fixed = SplitWindows(train: set, validation: set, test: set, scaling: .fixed, receivers: 2)
        XCTAssertEqual(fixed.labelledTrain.rssiPerDB, [1 / 60, 1 / 60])
        let minmax = SplitWindows(train: set, validation: set, test: set, scaling: .minmax, receivers: 2)
        // 1 dB is 1/60 of the fixed map; the scaler divides by the range 0.5 and 0.25.
        XCTAssertEqual(minmax.labelledTrain.rssiPerDB[0], 1 / 30, accuracy: 1e-7)
        XCTAssertEqual(minmax.labelledTrain.rssiPerDB[1], 1 / 15, accuracy: 1e-7)
    }
}
