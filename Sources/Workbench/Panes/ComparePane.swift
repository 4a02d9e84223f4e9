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
            ("validation macro-F1", figure(q.floatF1), figure(q.int8F1)),
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
        if let change {
            parts.append(abs(change) < 0.005 ? "int8 scores the same as float" : "int8 is \(Text.fixed(abs(change), 3)) macro-F1 \(change < 0 ? "worse" : "better") than float")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
