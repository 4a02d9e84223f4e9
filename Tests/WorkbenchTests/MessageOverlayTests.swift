import XCTest
@testable import Workbench

/// A data error is longer than the footer line: the footer says how to read it, `m` shows all of it.
final class MessageOverlayTests: XCTestCase {
    private let error = "/home/someone/data/sphere/train/00003/acceleration.csv:1207 column \"Kitchen_AP\": "
        + "RSSI 1e+300 dBm is outside -150…20 dBm"

    func testWrapBreaksAtSpacesAndCutsWordsLongerThanALine() {
        XCTAssertEqual(Text.wrap("the quick brown fox", to: 9), ["the quick", "brown fox"])
        XCTAssertEqual(Text.wrap("abcdefghij k", to: 4), ["abcd", "efgh", "ij k"])
        XCTAssertEqual(Text.wrap("one\ntwo", to: 10), ["one", "two"])
    }

    func testALongErrorIsCutInTheFooterAndWholeInTheMessageView() {
        var state = Fixtures.state()
        state.notice = .init(error, isError: true)
        let controller = FakeController(state)
        let screen = InMemoryScreen(width: 80, height: 24)
        let app = WorkbenchApp(terminal: screen, controller: controller, frameInterval: .zero)
        app.redrawIfNeeded()
        XCTAssertTrue(screen.line(23).contains("… · m: whole message"), screen.line(23))
        XCTAssertFalse(screen.text.contains("-150…20 dBm"), "the end of the error does not fit the footer")

        app.handle(.char("m"))
        XCTAssertTrue(app.ui.showMessage)
        app.redrawIfNeeded()
        // Every word of the error is on screen, in order, across the wrapped lines of the box.
        let boxed = screen.text.split(separator: "\n").filter { $0.contains("│") }.map {
            $0.split(separator: "│", omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? ""
        }.joined(separator: " ")
        let words = boxed.split(separator: " ").joined(separator: " ")
        XCTAssertTrue(words.contains("RSSI 1e+300 dBm is outside -150…20 dBm"), words)
        XCTAssertTrue(screen.text.contains("Esc or m: close"))

        app.handle(.escape)
        XCTAssertFalse(app.ui.showMessage)
        XCTAssertEqual(app.ui.view, .overview, "Esc closed the message, not the view")
    }
}
