/// RAM live at each layer against the budget, with flash, MACs and latency underneath.
struct MemoryPane {
    var memory: WorkbenchState.Memory
    /// The layer whose tensor is selected in the quantization pane.
    var selectedLayer: String?

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let precision = memory.precision.isEmpty ? "" : " (\(memory.precision))"
        let inner = Box(title: "RAM per layer" + precision, focused: focused).draw(in: rect, painter: painter)
        guard inner.height >= 3 else { return }
        guard !memory.layers.isEmpty else {
            let reason = memory.unavailable ?? "no memory plan yet"
            painter.put(Text.truncate(reason, to: inner.width), row: inner.row, col: inner.col, style: Style(fg: .muted))
            return
        }
        let (summaryRow, rest) = inner.splitTop(1)
        let (list, footerRow) = rest.splitBottom(1)
        if let budget = memory.budgetBytes {
            BudgetMeter(budgetBytes: budget, usedBytes: memory.arenaPeakBytes).draw(in: summaryRow, painter: painter)
        } else {
            painter.put("arena peak \(Text.bytes(memory.arenaPeakBytes)) · no budget set", row: summaryRow.row, col: summaryRow.col, style: Style(fg: .muted))
        }
        // With a streaming figure (the title says "windowed / streaming"), the bar is the windowed
        // RAM and the text shows both: "16.1 KB / 3.6 KB".
        let streaming = memory.streamingArenaBytes != nil
        BarList(rows: memory.layers.map {
            let text = streaming ? "\(Text.bytes($0.bytes)) / \($0.streamingBytes.map(Text.bytes) ?? "—")" : Text.bytes($0.bytes)
            return BarList.Row(label: $0.name, value: Double($0.bytes), valueText: text,
                               isPeak: $0.isPeak, selected: $0.name == selectedLayer)
        }).draw(in: list, painter: painter)

        var facts = ["flash \(Text.bytes(memory.flashBytes))", "MACs \(Text.count(memory.macs))"]
        if let bytes = memory.streamingArenaBytes { facts.insert("streaming \(Text.bytes(bytes))", at: 0) }
        if let latency = memory.latency { facts.append(latency) }
        painter.put(Text.truncate(facts.joined(separator: " · "), to: footerRow.width), row: footerRow.row, col: footerRow.col, style: Style(fg: .muted))
    }
}
