import XCTest
@testable import Workbench

final class WidgetTests: XCTestCase {
    func testBrailleCanvasSetsTheUnicodeDotBits() {
        var canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.set(x: 0, y: 0)
        XCTAssertEqual(canvas.character(row: 0, column: 0), "⠁")
        canvas.set(x: 1, y: 3)
        XCTAssertEqual(canvas.character(row: 0, column: 0), "⢁")
        canvas.set(x: 2, y: 2)
        XCTAssertEqual(canvas.character(row: 0, column: 1), "⠄")
        canvas.set(x: 4, y: 0)
        XCTAssertEqual(canvas.character(row: 0, column: 1), "⠄", "dots outside the canvas are dropped")
    }

    func testLineChartMapsAKnownSeriesToTheExpectedDots() {
        // Plot area 2 cells × 1 row = 4 × 4 dots; 1.0 → top-left dot, 0.0 → bottom-right dot,
        // and the line between them is the diagonal: ⠑ (dots 1,5) then ⢄ (dots 3,8).
        let screen = InMemoryScreen(width: LineChart.labelWidth + 1 + 2, height: 2)
        LineChart(series: [.init(name: "loss", values: [1, 0], role: .train)], xSlots: 2, yRange: 0...1)
            .draw(in: Rect(row: 0, col: 0, width: screen.size.width, height: 2), painter: Painter(terminal: screen))
        screen.refresh()
        XCTAssertEqual(screen.line(0), "1.00┤⠑⢄")
        XCTAssertEqual(screen.line(1), "0.00┼──")
        XCTAssertEqual(screen.cell(row: 0, col: 5).style.fg, .train)
    }

    func testDashedSeriesDrawsFewerDotsThanSolid() {
        func dots(dashed: Bool) -> Int {
            let screen = InMemoryScreen(width: 45, height: 6)
            LineChart(series: [.init(name: "s", values: [1, 0.2, 0.9, 0], role: .val, dashed: dashed)], xSlots: 4, yRange: 0...1)
                .draw(in: Rect(row: 0, col: 0, width: 45, height: 6), painter: Painter(terminal: screen))
            screen.refresh()
            return screen.text.unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }
                .reduce(0) { $0 + ($1.value - 0x2800).nonzeroBitCount }
        }
        XCTAssertLessThan(dots(dashed: true), dots(dashed: false) * 3 / 4)
    }

    func testBarListMarksThePeakRowOnly() {
        let screen = InMemoryScreen(width: 40, height: 3)
        BarList(rows: [
            .init(label: "embed", value: 10, valueText: "10 B"),
            .init(label: "attn.0", value: 40, valueText: "40 B", isPeak: true),
            .init(label: "head", value: 20, valueText: "20 B"),
        ]).draw(in: Rect(row: 0, col: 0, width: 40, height: 3), painter: Painter(terminal: screen))
        screen.refresh()
        XCTAssertFalse(screen.line(0).contains("peak"))
        XCTAssertTrue(screen.line(1).hasPrefix("attn.0 ") && screen.line(1).contains("40 B ◀ peak"))
        XCTAssertFalse(screen.line(2).contains("peak"))
        let full = screen.line(1).filter { $0 == "█" }.count
        XCTAssertEqual(screen.line(2).filter { $0 == "█" }.count, full / 2)
    }

    func testHorizontalBarsUseEighthBlocks() {
        XCTAssertEqual(Bars.horizontal(0.5, width: 4), "██")
        XCTAssertEqual(Bars.horizontal(9.0 / 32, width: 4), "█▏")
        XCTAssertEqual(Bars.horizontal(0, width: 4), "")
        XCTAssertEqual(Bars.horizontal(2, width: 3), "███")
    }

    func testBudgetMeterShowsUseAgainstBudget() {
        let screen = InMemoryScreen(width: 40, height: 1)
        BudgetMeter(budgetBytes: 64 * 1024, usedBytes: 41 * 1024).draw(in: Rect(row: 0, col: 0, width: 40, height: 1), painter: Painter(terminal: screen))
        screen.refresh()
        XCTAssertTrue(screen.line(0).hasSuffix("budget 64 KB ██████░░░░ 41.0 KB"))
    }

    func testHistogramDrawsBlockGlyphsAndRangeLabels() {
        let screen = InMemoryScreen(width: 9, height: 3)
        HistogramChart(counts: [0, 2, 4, 8], lowerEdge: -2, upperEdge: 2, unit: "Δ")
            .draw(in: Rect(row: 0, col: 0, width: 9, height: 3), painter: Painter(terminal: screen))
        screen.refresh()
        // 4 bins over 9 columns: 2 columns each; 8 counts fill both rows (16 eighths).
        XCTAssertEqual(screen.line(0), "      ██ ")
        XCTAssertEqual(screen.line(1), "  ▄▄████ ")
        XCTAssertEqual(screen.line(2), "−2Δ  +2Δ ")
    }

    func testHistogramMergesBinsWhenNarrowerThanTheData() {
        XCTAssertEqual(HistogramChart(counts: [1, 2, 3, 4], lowerEdge: 0, upperEdge: 1).columnCounts(width: 2), [3, 7])
        XCTAssertEqual(HistogramChart(counts: [1, 2], lowerEdge: 0, upperEdge: 1).columnCounts(width: 5), [1, 1, 2, 2])
    }

    func testFloorPlanRasterDrawsOneRoomAsABox() {
        var plan = Fixtures.plan
        plan.rooms = [plan.rooms[0]]
        let bounds = FloorPlanRaster.bounds(of: plan, floor: 0)!
        // 4 m × 4 m at 2 columns per metre: 8 columns and, as cells are 2:1, 4 rows.
        let raster = FloorPlanRaster(plan: plan, floor: 0, bounds: bounds, columnsPerMetre: 2)
        XCTAssertEqual([raster.width, raster.height], [8, 4])
        let rows = (0..<raster.height).map { r in
            String((0..<raster.width).map { c in raster.isWall(row: r, col: c) ? raster.wallGlyph(row: r, col: c) : " " })
        }
        XCTAssertEqual(rows, ["┌──────┐", "│      │", "│      │", "└──────┘"])
    }

    func testSharedWallIsDrawnOnceWithJunctions() {
        var plan = Fixtures.plan
        plan.rooms = Array(plan.rooms.prefix(2))
        let raster = FloorPlanRaster(plan: plan, floor: 0, bounds: FloorPlanRaster.bounds(of: plan, floor: 0)!, columnsPerMetre: 2)
        let top = String((0..<raster.width).map { raster.wallGlyph(row: 0, col: $0) })
        XCTAssertEqual(top, "┌───────┬──────┐")
    }

    func testASCIIFallbackKeepsShapes() {
        XCTAssertEqual(ASCIIFallback.string("┌─┐│└┘┼"), "+-+|+++")
        XCTAssertEqual(ASCIIFallback.string("⠁⢀⠑⣿"), "'.':")
        XCTAssertEqual(ASCIIFallback.string("● ○ ✓ ✗ ◀ peak"), "* o v x < peak")
        XCTAssertEqual(ASCIIFallback.string("▁▄█"), "_=#")
    }
}
