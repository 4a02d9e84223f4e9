import Localisation

/// The rooms of a plan drawn to scale: every floor side by side when they fit legibly,
/// otherwise the floor of the true room. The true room is filled and marked ●, the predicted
/// room is filled in another colour and marked ○ (●○ when they agree).
struct FloorPlanView {
    var plan: FloorPlan
    var trueRoom: String?
    var predictedRoom: String?

    static let trueMarker = "●"
    static let predictedMarker = "○"
    /// Below this many columns (half as many rows) per metre a 3 m room has barely one row inside
    /// its walls and a narrow hall collapses into wall glyphs.
    static let legibleScale = 2.5
    static let gap = 3

    func draw(in rect: Rect, painter: Painter) {
        guard rect.height >= 4, rect.width >= 8 else { return }
        let (titleRow, area) = rect.splitTop(1)
        guard let choice = arrangement(in: area) else {
            painter.put("no rooms on this plan", row: rect.row, col: rect.col, style: Style(fg: .muted))
            return
        }
        var col = area.col
        for floor in choice.floors {
            let raster = FloorPlanRaster(plan: choice.plan, floor: floor.index, bounds: floor.bounds, columnsPerMetre: choice.scale)
            painter.put(Text.truncate(floor.name, to: raster.width), row: titleRow.row, col: col, style: Style(fg: .muted))
            draw(raster, at: Rect(row: area.row, col: col, width: raster.width, height: raster.height), painter: painter)
            col += raster.width + Self.gap
        }
    }

    private struct FloorInfo {
        var index: Int
        var name: String
        var bounds: FloorPlanRaster.Bounds
    }

    private struct Arrangement {
        var plan: FloorPlan
        var floors: [FloorInfo]
        var scale: Double
    }

    /// Every floor side by side if that is legible, else the floor of the true room; each either
    /// as drawn or turned a quarter, whichever is bigger. Turning matters because cells are tall:
    /// a long narrow house fits a wide pane far better lying down.
    private func arrangement(in area: Rect) -> Arrangement? {
        let focus = (trueRoom ?? predictedRoom).flatMap { plan.room(named: $0)?.floor }
        func best(_ pick: ([FloorInfo]) -> [FloorInfo]) -> Arrangement? {
            [plan, Self.turned(plan)].compactMap { p -> Arrangement? in
                let floors = pick(Self.floors(of: p))
                guard !floors.isEmpty else { return nil }
                let slot = (area.width - Self.gap * (floors.count - 1)) / floors.count
                let scale = floors.map { FloorPlanRaster.scale(for: $0.bounds, width: slot, height: area.height) }.min() ?? 0
                return Arrangement(plan: p, floors: floors, scale: scale)
            }.max { $0.scale < $1.scale }
        }
        if let all = best({ $0 }), all.floors.count > 1, all.scale >= Self.legibleScale { return all }
        return best { floors in [floors.first { $0.index == focus } ?? floors[0]].filter { _ in !floors.isEmpty } }
    }

    private static func floors(of plan: FloorPlan) -> [FloorInfo] {
        Set(plan.rooms.map(\.floor)).sorted().compactMap { i in
            FloorPlanRaster.bounds(of: plan, floor: i).map { b in
                FloorInfo(index: i, name: plan.floors.first { $0.index == i }?.name ?? "floor \(i)", bounds: b)
            }
        }
    }

    /// The plan turned a quarter anticlockwise (north points left).
    private static func turned(_ plan: FloorPlan) -> FloorPlan {
        var p = plan
        for i in p.rooms.indices {
            p.rooms[i].polygon = p.rooms[i].polygon.map { FloorPlan.Point(x: -$0.y, y: $0.x) }
        }
        return p
    }

    private func draw(_ raster: FloorPlanRaster, at rect: Rect, painter: Painter) {
        let trueIndex = trueRoom.flatMap { name in plan.rooms.firstIndex { $0.name == name } }
        let predIndex = predictedRoom.flatMap { name in plan.rooms.firstIndex { $0.name == name } }
        for r in 0..<raster.height {
            for c in 0..<raster.width {
                guard let room = raster.room(row: r, col: c) else { continue }
                if raster.isWall(row: r, col: c) {
                    painter.put(raster.wallGlyph(row: r, col: c), row: rect.row + r, col: rect.col + c, style: Style(fg: .frame))
                } else if room == trueIndex || room == predIndex {
                    painter.put(" ", row: rect.row + r, col: rect.col + c, style: Style(bg: room == trueIndex ? .trueRoom : .predRoom))
                }
            }
        }
        for (i, room) in plan.rooms.enumerated() where room.floor == raster.floor {
            var label = ""
            if i == trueIndex { label += Self.trueMarker }
            if i == predIndex { label += Self.predictedMarker }
            label += (label.isEmpty ? "" : " ") + room.name
            let highlighted = i == trueIndex || i == predIndex
            let style = Style(fg: i == trueIndex ? .trueRoom : i == predIndex ? .predRoom : .text,
                              bg: i == trueIndex ? .trueRoom : i == predIndex ? .predRoom : nil, bold: highlighted)
            placeLabel(label, room: i, raster: raster, origin: rect, style: style, painter: painter)
        }
    }

    /// Writes `label` in the room's widest enough run of interior cells, preferring runs near
    /// the room's centre, centred in the run and cut to fit it.
    private func placeLabel(_ label: String, room: Int, raster: FloorPlanRaster, origin: Rect, style: Style, painter: Painter) {
        var runs: [(row: Int, cols: ClosedRange<Int>)] = []
        for r in 0..<raster.height {
            var c = 0
            while c < raster.width {
                guard raster.room(row: r, col: c) == room, !raster.isWall(row: r, col: c) else { c += 1; continue }
                let first = c
                while c + 1 < raster.width, raster.room(row: r, col: c + 1) == room, !raster.isWall(row: r, col: c + 1) { c += 1 }
                runs.append((r, first...c))
                c += 1
            }
        }
        let cells = runs.flatMap { run in run.cols.map { (Double(run.row), Double($0)) } }
        guard !cells.isEmpty else { return }
        let centre = (row: cells.map(\.0).reduce(0, +) / Double(cells.count), col: cells.map(\.1).reduce(0, +) / Double(cells.count))
        func distance(_ run: (row: Int, cols: ClosedRange<Int>)) -> Double {
            let mid = Double(run.cols.lowerBound + run.cols.upperBound) / 2
            return abs(Double(run.row) - centre.row) * FloorPlanRaster.cellAspect + abs(mid - centre.col)
        }
        let best = runs.min { a, b in
            let fitA = min(a.cols.count, label.count), fitB = min(b.cols.count, label.count)
            return fitA != fitB ? fitA > fitB : distance(a) < distance(b)
        }
        guard let best else { return }
        let text = Text.truncate(label, to: best.cols.count)
        let col = best.cols.lowerBound + (best.cols.count - text.count) / 2
        painter.put(text, row: origin.row + best.row, col: origin.col + col, style: style)
    }
}
