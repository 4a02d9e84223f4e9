import XCTest
@testable import Models

final class MetricsTests: XCTestCase {
    func testHandComputedConfusion() {
        // Room 3 never occurs in the labels, so it does not count towards macro-F1.
        let m = ClassificationMetrics(predictions: [0, 1, 1, 1, 2, 0, 2], labels: [0, 0, 1, 1, 2, 2, 2], roomCount: 4)
        XCTAssertEqual(m.confusion, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
        XCTAssertEqual(m.accuracy, 5.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.precision[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.recall[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.precision[1], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.recall[2], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.f1[1], 0.8, accuracy: 1e-12)
        XCTAssertEqual(m.f1[2], 0.8, accuracy: 1e-12)
        XCTAssertEqual(m.f1[3], 0)
        XCTAssertEqual(m.present, [true, true, true, false])
        XCTAssertEqual(m.macroF1, (0.5 + 0.8 + 0.8) / 3, accuracy: 1e-12)
    }

    func testPredictingAnAbsentRoomHurtsPrecisionNotTheAverage() {
        let m = ClassificationMetrics(predictions: [1, 1], labels: [0, 0], roomCount: 2)
        XCTAssertEqual(m.accuracy, 0)
        XCTAssertEqual(m.macroF1, 0)
        let perfect = ClassificationMetrics(predictions: [0, 0], labels: [0, 0], roomCount: 2)
        XCTAssertEqual(perfect.macroF1, 1)
    }
}
