import XCTest
@testable import Workbench

final class TerminalTests: XCTestCase {
    func testCapabilitiesFollowTerminalLocaleAndOverrides() {
        let xterm = ["TERM": "xterm-256color"]
        XCTAssertEqual(Capabilities.detect(environment: xterm, codeset: "UTF-8", terminalColors: 256), .full)
        XCTAssertEqual(Capabilities.detect(environment: xterm, codeset: "UTF-8", terminalColors: 8).colors, .eight)
        XCTAssertEqual(Capabilities.detect(environment: xterm, codeset: "UTF-8", terminalColors: 0).colors, .none)
        XCTAssertFalse(Capabilities.detect(environment: xterm, codeset: "ANSI_X3.4-1968", terminalColors: 256).unicode)
        XCTAssertFalse(Capabilities.detect(environment: ["TERM": "linux"], codeset: "UTF-8", terminalColors: 8).unicode)
        XCTAssertEqual(Capabilities.detect(environment: ["TERM": "xterm-256color", "NO_COLOR": "1"], codeset: "UTF-8", terminalColors: 256).colors, .none)
        XCTAssertEqual(Capabilities.detect(environment: ["TINYLOC_COLORS": "8"], codeset: "UTF-8", terminalColors: 256).colors, .eight)
        XCTAssertFalse(Capabilities.detect(environment: ["TINYLOC_GLYPHS": "ascii"], codeset: "UTF-8", terminalColors: 256).unicode)
        XCTAssertTrue(Capabilities.detect(environment: ["TINYLOC_GLYPHS": "unicode"], codeset: "C", terminalColors: 256).unicode)
    }

    func testTerminalsThatCannotAddressTheCursorAreRefused() throws {
        for env in [[:], ["TERM": ""], ["TERM": "dumb"], ["TERM": "no-such-terminal-tinyloc"]] {
            let message = try XCTUnwrap(TerminalCheck.problem(environment: env, isInteractive: true), "\(env)")
            XCTAssertTrue(message.contains("tinyloc run --headless"), message)
        }
        XCTAssertTrue(TerminalCheck.problem(environment: ["TERM": "no-such-terminal-tinyloc"], isInteractive: true)?.contains("unknown to terminfo") ?? false)
        XCTAssertNotNil(TerminalCheck.problem(environment: ["TERM": "xterm"], isInteractive: false))
        XCTAssertNil(TerminalCheck.problem(environment: ["TERM": "xterm"], isInteractive: true))
    }

    func testInMemoryScreenShowsOnlyWhatWasRefreshed() {
        let screen = InMemoryScreen(width: 5, height: 2)
        screen.put("hello world", row: 0, col: 1, style: .plain)
        XCTAssertEqual(screen.line(0), "     ")
        screen.refresh()
        XCTAssertEqual(screen.line(0), " hell")
        screen.clear()
        screen.refresh()
        XCTAssertEqual(screen.text, "     \n     ")
    }

    func testPainterClipsToItsRectangle() {
        let screen = InMemoryScreen(width: 10, height: 3)
        let painter = Painter(terminal: screen).clipped(to: Rect(row: 1, col: 2, width: 4, height: 1))
        painter.put("abcdefgh", row: 1, col: 0)
        painter.put("zzz", row: 0, col: 2)
        screen.refresh()
        XCTAssertEqual(screen.text, "          \n  cdef    \n          ")
    }
}
