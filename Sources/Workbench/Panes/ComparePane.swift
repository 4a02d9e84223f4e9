/// Float against int8 in plain words, from the figures the engine has measured; anything not
/// measured yet is shown as "—", never guessed.
struct ComparePane {
    var state: WorkbenchState

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let inner = Box(title: "Compare · float vs int8", focused: focused).draw(in: rect, painter: painter)
        guard !inner.isEmpty else { return }
        let q = state.quantization
        let m = state.memory
        let change = zip2(q.floatF1, q.int8F1).map { $1 - $0 }
        let rows: [(String, String, String)] = [
            ("", "float", "int8"),
            ("test macro-F1", figure(q.floatF1), figure(q.int8F1)),
            ("change from float", "", change.map { ($0 < 0 ? "−" : "+") + Text.fixed(abs($0), 3) } ?? "—"),
            ("RAM peak (\(m.precision.isEmpty ? "current plan" : m.precision))", "—", m.layers.isEmpty ? "—" : Text.bytes(m.arenaPeakBytes)),
        ]
        let labelWidth = 28, columnWidth = 12
        for (i, row) in rows.enumerated() where i < inner.height {
            let style = i == 0 ? Style(fg: .muted, bold: true) : Style.plain
            painter.put(Text.padRight(row.0, to: labelWidth) + Text.padLeft(row.1, to: columnWidth) + Text.padLeft(row.2, to: columnWidth),
                        row: inner.row + i, col: inner.col + 1, style: style)
        }
        if let sentence = verdict(change: change), inner.height > rows.count + 1 {
            painter.put(Text.truncate(sentence, to: inner.width - 2), row: inner.row + rows.count + 1, col: inner.col + 1, style: Style(fg: .accent))
        }
        let coverageRows = state.coverage.rows.isEmpty ? 0 : state.coverage.rows.count + 3
        drawCoverage(in: Rect(row: inner.row + rows.count + 3, col: inner.col, width: inner.width,
                              height: min(coverageRows, inner.height - rows.count - 3)), painter: painter)
        let variantsTop = inner.row + rows.count + 3 + coverageRows
        drawVariants(in: Rect(row: variantsTop, col: inner.col, width: inner.width, height: inner.bottom - variantsTop), painter: painter)
    }

    /// Every saved variant of every session (the sessions folder), best test macro-F1 first.
    private func drawVariants(in rect: Rect, painter: Painter) {
        guard rect.height >= 3, !state.variants.isEmpty else { return }
        painter.put(Text.truncate("saved variants of every session, best test macro-F1 first", to: rect.width - 2),
                    row: rect.row, col: rect.col + 1, style: Style(fg: .muted, bold: true))
        func line(_ cells: [String]) -> String {
            Text.padRight(Text.truncate(cells[0], to: 18), to: 19) + Text.padRight(cells[1], to: 13) + Text.padRight(Text.truncate(cells[2], to: 14), to: 15)
                + Text.padRight(Text.truncate(cells[3], to: 16), to: 17) + Text.padLeft(cells[4], to: 7) + Text.padLeft(cells[5], to: 8)
                + Text.padLeft(cells[6], to: 10) + Text.padLeft(cells[7], to: 10)
        }
        painter.put(Text.truncate(line(["session", "model", "variant", "precision", "val F1", "test F1", "RAM", "flash"]), to: rect.width - 2),
                    row: rect.row + 1, col: rect.col + 1, style: Style(fg: .muted))
        for (i, v) in state.variants.enumerated() where i + 2 < rect.height {
            let text = line([v.session, v.model, v.name, v.precision, Text.fixed(v.validationF1, 3), Text.fixed(v.testF1, 3),
                             Text.bytes(v.arenaBytes), Text.bytes(v.flashBytes)])
            painter.put(Text.truncate(text, to: rect.width - 2), row: rect.row + 2 + i, col: rect.col + 1,
                        style: v.session == state.header.session ? Style(bold: true) : .plain)
        }
    }

    /// Which receivers each recording heard: a receiver silent in the test recording explains a
    /// score that the validation curve did not predict.
    private func drawCoverage(in rect: Rect, painter: Painter) {
        let coverage = state.coverage
        guard rect.height >= 3, !coverage.receivers.isEmpty, !coverage.rows.isEmpty else { return }
        let nameWidth = max(10, (coverage.rows.map(\.recording.count).max() ?? 0) + 1)
        let roleWidth = 11
        let columnWidth = max(8, (coverage.receivers.map(\.count).max() ?? 0) + 2)
        painter.put(Text.truncate("receiver coverage: share of packets heard", to: rect.width - 2),
                    row: rect.row, col: rect.col + 1, style: Style(fg: .muted, bold: true))
        let header = Text.padRight("recording", to: nameWidth) + Text.padRight("role", to: roleWidth)
            + coverage.receivers.map { Text.padLeft($0, to: columnWidth) }.joined()
        painter.put(Text.truncate(header, to: rect.width - 2), row: rect.row + 1, col: rect.col + 1, style: Style(fg: .muted))
        for (i, row) in coverage.rows.enumerated() where i + 2 < rect.height {
            var col = rect.col + 1
            let lead = Text.padRight(row.recording, to: nameWidth) + Text.padRight(row.role, to: roleWidth)
            painter.put(Text.truncate(lead, to: rect.width - 2), row: rect.row + 2 + i, col: col,
                        style: row.role == "test" ? Style(bold: true) : .plain)
            col += lead.count
            for rate in row.heardRates where col + columnWidth <= rect.col + rect.width - 1 {
                let cell = rate == 0 ? "silent" : "\(Int((rate * 100).rounded()))%"
                painter.put(Text.padLeft(cell, to: columnWidth), row: rect.row + 2 + i, col: col,
                            style: rate == 0 ? Style(fg: .warn, bold: true) : .plain)
                col += columnWidth
            }
        }
    }

    private func figure(_ x: Double?) -> String { x.map { Text.fixed($0, 3) } ?? "—" }

    private func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    /// The trade-off as a clinician would want it said.
    private func verdict(change: Double?) -> String? {
        var parts: [String] = []
        if let budget = state.memory.budgetBytes, !state.memory.layers.isEmpty {
            parts.append(state.memory.arenaPeakBytes <= budget
                ? "fits the \(Text.budget(budget)) chip" : "does not fit the \(Text.budget(budget)) chip")
        }
        if let accuracy = state.quantization.deployedAccuracy {
            let tenths = Int((accuracy * 10).rounded())
            parts.append("right room \(tenths) times in 10")
        }
        if let change {
            parts.append(abs(change) < 0.005 ? "int8 scores the same as float" : "int8 is \(Text.fixed(abs(change), 3)) macro-F1 \(change < 0 ? "worse" : "better") than float")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
