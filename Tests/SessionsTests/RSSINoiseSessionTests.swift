import Foundation
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
}
