/// The quantization error of the selected tensor as a histogram in units of its step Δ,
/// its SQNR, and what int8 costs in macro-F1.
struct QuantizationPane {
    var quantization: WorkbenchState.Quantization

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let tensor = quantization.selectedTensor
        let title = tensor.map { "Quantization error · \($0.name) (\($0.precision) \($0.kind.rawValue))" } ?? "Quantization error"
        let inner = Box(title: title, focused: focused).draw(in: rect, painter: painter)
        guard inner.height >= 3 else { return }
        let (infoRow, rest) = inner.splitTop(1)
        let (chart, f1Row) = rest.splitBottom(1)
        drawF1(in: f1Row, painter: painter)
        guard let tensor else {
            let reason = quantization.unavailable ?? "no quantized layers yet"
            painter.put(Text.truncate(reason, to: infoRow.width), row: infoRow.row, col: infoRow.col, style: Style(fg: .muted))
            return
        }
        let position = "\(quantization.selected + 1)/\(quantization.tensors.count) ↑↓"
        let sqnr = tensor.sqnrDB.isFinite ? "SQNR \(Text.fixed(tensor.sqnrDB, 1)) dB" : "exact: no error"
        painter.put(sqnr, row: infoRow.row, col: infoRow.col, style: Style(fg: .accent, bold: true))
        painter.put(position, row: infoRow.row, col: infoRow.right - position.count, style: Style(fg: .muted))
        HistogramChart(counts: tensor.histogram.counts, lowerEdge: tensor.histogram.lowerBound,
                  upperEdge: tensor.histogram.upperBound, unit: "Δ").draw(in: chart, painter: painter)
    }

    private func drawF1(in row: Rect, painter: Painter) {
        guard let float = quantization.floatF1 else { return }
        var text = "macro-F1 float \(Text.fixed(float, 3))"
        var role = ColorRole.muted
        if let int8 = quantization.int8F1 {
            let change = int8 - float
            text += " → int8 \(Text.fixed(int8, 3)) (\(change < 0 ? "−" : "+")\(Text.fixed(abs(change), 3)))"
            role = change < -0.02 ? .bad : .good
        }
        painter.put(Text.truncate(text, to: row.width), row: row.row, col: row.col, style: Style(fg: role))
    }
}
