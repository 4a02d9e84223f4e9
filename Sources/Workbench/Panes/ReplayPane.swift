/// The validation recording on the floor plan: where the wearer was (●), where the model said
/// (○), right or wrong, and the accuracy so far; with a temporal decoder, which one.
struct ReplayPane {
    var replay: WorkbenchState.Replay?

    /// A legend beside the plan needs this much width; narrower panes put it underneath.
    static let sideLegendWidth = 22

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let inner = Box(title: title, focused: focused).draw(in: rect, painter: painter)
        guard inner.height >= 3 else { return }
        guard let replay else {
            painter.put("no validation recording yet", row: inner.row, col: inner.col, style: Style(fg: .muted))
            return
        }
        let step = replay.current
        let trueRoom = step.map { replay.roomName($0.trueRoom) }
        let predicted = step.map { replay.roomName($0.predictedRoom) }
        let plan = FloorPlanView(plan: replay.plan, trueRoom: trueRoom, predictedRoom: predicted)
        if inner.width >= 2 * Self.sideLegendWidth + 10 {
            let (planArea, legend) = inner.splitRight(Self.sideLegendWidth)
            plan.draw(in: planArea.splitRight(1).0, painter: painter)
            drawLegend(replay, in: legend, lines: legendLines(replay), painter: painter)
        } else {
            let lines = compactLegendLines(replay)
            let (planArea, legend) = inner.splitBottom(lines.count)
            plan.draw(in: planArea, painter: painter)
            drawLegend(replay, in: legend, lines: lines, painter: painter)
        }
    }

    private var title: String {
        guard let replay else { return "Replay" }
        var parts = ["Replay", "recording \(replay.recording)"]
        if let step = replay.current { parts.append(Text.clock(step.time)) }
        parts.append((replay.playing ? "▶" : "‖") + " ×" + speedText(replay.speed))
        return parts.joined(separator: " · ")
    }

    private func speedText(_ speed: Double) -> String {
        speed.rounded() == speed ? String(Int(speed)) : Text.fixed(speed, speed < 1 ? 2 : 1)
    }

    private typealias Line = (text: String, style: Style)

    private func legendLines(_ replay: WorkbenchState.Replay) -> [Line] {
        guard let step = replay.current else { return [("no steps in this recording", Style(fg: .muted))] }
        let right = step.trueRoom == step.predictedRoom
        var lines: [Line] = [
            ("● true  " + replay.roomName(step.trueRoom), Style(fg: .trueRoom, bold: true)),
            ("○ pred  " + replay.roomName(step.predictedRoom) + (right ? "  ✓" : "  ✗"), Style(fg: right ? .good : .bad, bold: true)),
        ]
        if let accuracy = replay.accuracySoFar {
            lines.append(("\(Int((accuracy * 100).rounded()))% right so far", Style(fg: .text)))
        }
        lines.append(("step \(replay.index + 1)/\(replay.steps.count)", Style(fg: .muted)))
        // Decoded rooms wait for the next N windows before they answer: say so beside them.
        if let decoder = replay.decoder {
            lines.append(("rooms decoded by", Style(fg: .muted)))
            lines.append((decoder, Style(fg: .muted)))
        }
        return lines
    }

    private func compactLegendLines(_ replay: WorkbenchState.Replay) -> [Line] {
        guard let step = replay.current else { return [("no steps in this recording", Style(fg: .muted))] }
        let right = step.trueRoom == step.predictedRoom
        let accuracy = replay.accuracySoFar.map { " \(Int(($0 * 100).rounded()))%" } ?? ""
        return [("●" + replay.roomName(step.trueRoom) + " ○" + replay.roomName(step.predictedRoom)
                 + (right ? " ✓" : " ✗") + accuracy + (replay.decoder.map { " · decoded \($0)" } ?? ""),
                 Style(fg: right ? .good : .bad, bold: true))]
    }

    private func drawLegend(_ replay: WorkbenchState.Replay, in rect: Rect, lines: [Line], painter: Painter) {
        for (i, line) in lines.prefix(rect.height).enumerated() {
            painter.put(Text.truncate(line.text, to: rect.width), row: rect.row + i, col: rect.col, style: line.style)
        }
    }
}
