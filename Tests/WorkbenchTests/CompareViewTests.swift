import XCTest
@testable import Workbench

final class CompareViewTests: XCTestCase {
    func testCompareViewSaysTheTradeOffAndShowsReceiverCoverage() {
        var state = Fixtures.state()
        state.quantization.floatF1 = 0.634
        state.quantization.int8F1 = 0.633
        state.quantization.deployedAccuracy = 0.884
        state.coverage = .init(receivers: ["Kitchen_AP", "Lounge_AP"], rows: [
            .init(recording: "sim-000", role: "train", heardRates: [0.31, 0.48]),
            .init(recording: "sim-005", role: "test", heardRates: [0.29, 0]),
        ])
        let screen = InMemoryScreen(width: 120, height: 40)
        WorkbenchApp.render(state: state, ui: WorkbenchUI(view: .compare), into: screen)
        let text = screen.text
        XCTAssertTrue(text.contains("test macro-F1"), text)
        XCTAssertTrue(text.contains("right room 9 times in 10"), text)
        XCTAssertTrue(text.contains("int8 scores the same as float"), text)
        let testRow = try? XCTUnwrap((0..<40).map { screen.line($0) }.first { $0.contains("sim-005") })
        XCTAssertNotNil(testRow)
        XCTAssertTrue(testRow?.contains("29%") == true && testRow?.contains("silent") == true, testRow ?? "")
        let trainRow = (0..<40).map { screen.line($0) }.first { $0.contains("sim-000") } ?? ""
        XCTAssertTrue(trainRow.contains("31%") && trainRow.contains("48%") && trainRow.contains("train"), trainRow)
    }
}
