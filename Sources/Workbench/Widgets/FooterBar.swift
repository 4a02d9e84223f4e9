/// The bottom line: the keys that matter now, or a notice; the training figures at the right.
struct FooterBar {
    var training: WorkbenchState.Training
    var notice: WorkbenchState.Notice?
    /// The Present view leaves the training figures out: they mean nothing to its audience.
    var showsTraining = true

    func draw(in row: Rect, painter: Painter) {
        let figures = showsTraining ? self.figures : ""
        painter.put(figures, row: row.row, col: row.right - figures.count - 1, style: Style(fg: .muted))
        let space = max(0, row.width - figures.count - 3)
        if let notice {
            let hint = " · m: whole message"
            let text = notice.text.count <= space && !notice.text.contains("\n")
                ? notice.text : Text.truncate(notice.text.replacingOccurrences(of: "\n", with: " "), to: max(1, space - hint.count)) + hint
            painter.put(" " + Text.truncate(text, to: space), row: row.row, col: row.col,
                        style: Style(fg: notice.isError ? .bad : .warn, bold: true))
        } else {
            let keys = showsTraining ? [training.paused ? "space resume" : "space pause", "Tab focus", "? help", "q quit"] : ["? help", "q quit"]
            painter.put(" " + Text.truncate(keys.joined(separator: " · "), to: space), row: row.row, col: row.col, style: Style(fg: .muted))
        }
    }

    private var figures: String {
        guard let last = training.epochs.last else { return training.maxEpochs > 0 ? "epoch 0/\(training.maxEpochs)" : "" }
        return "epoch \(last.epoch) · loss \(Text.fixed(last.trainLoss, 2)) · val F1 \(Text.fixed(last.valF1, 2))"
    }
}
