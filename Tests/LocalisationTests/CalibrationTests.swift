import XCTest
@testable import Localisation

/// Reproduces the real-vs-simulated table in docs/SIMULATOR.md:
///     TINYLOC_CALIBRATION=1 swift test --filter LocalisationTests.CalibrationTests
/// Without the variable only a quick check of the statistics runs.
final class CalibrationTests: XCTestCase {
    func testStatisticsOnATinyDataset() {
        let recording = Recording(name: "r", receivers: ["A", "B"], times: [0, 1, 2, 3],
                                  rssi: [-60, .nan, -70, .nan, .nan, .nan, -80, .nan],
                                  accel: nil, intervals: [RoomInterval(start: 0, end: 1, room: 0), RoomInterval(start: 1, end: 3, room: 1)])
        let stats = CalibrationStats(dataset: Dataset(name: "d", rooms: ["a", "b"], receivers: ["A", "B"], recordings: [recording]))
        XCTAssertEqual(stats.receivers[0].missingRate, 0.25)
        XCTAssertEqual(stats.receivers[0].mean, -70)
        XCTAssertEqual(stats.receivers[0].std, (200.0 / 3).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(stats.receivers[0].min, -80)
        XCTAssertEqual(stats.receivers[1].silentRecordings, 1)
        XCTAssertTrue(stats.receivers[1].missingRateWhenActive.isNaN)
        XCTAssertEqual(stats.dwell.count, 2)
        XCTAssertEqual(stats.labelledFraction, 1)
    }

    func testSimulatorMatchesSphere() throws {
        guard ProcessInfo.processInfo.environment["TINYLOC_CALIBRATION"] != nil else {
            throw XCTSkip("set TINYLOC_CALIBRATION=1 to compare with the SPHERE recordings")
        }
        let real = CalibrationStats(dataset: try SphereReader.load(folder: sphereFolder))
        let simulated = CalibrationStats(dataset: simulateDataset(plan: try sphereHouse(), recordings: 7, seed: 2016))
        print(CalibrationStats.comparisonTable(real: real, simulated: simulated))
        for (a, b) in zip(real.receivers, simulated.receivers) {
            XCTAssertEqual(b.missingRateWhenActive, a.missingRateWhenActive, accuracy: 0.2, a.name)
            XCTAssertEqual(b.mean, a.mean, accuracy: 8, a.name)
        }
        XCTAssertEqual(simulated.dwell.median, real.dwell.median, accuracy: real.dwell.median)
    }
}
