/// Loss and macro-F1 curves (train solid, validation dashed) and the run's status; in the default
/// demo, the study's path above them (teacher → student → int8, each stage's test macro-F1 and time).
struct TrainPane {
    var training: WorkbenchState.Training
    var studyPath: [WorkbenchState.PathStage] = []

    /// Two charts need this many inner rows to stay readable; below it only loss is charted.
    static let rowsForTwoCharts = 12

    func draw(in rect: Rect, focused: Bool, painter: Painter) {
        let inner = Box(title: "Loss / macro-F1", focused: focused).draw(in: rect, painter: painter)
        guard !inner.isEmpty else { return }
        var (body, statusRow) = inner.splitBottom(1)
        drawStatus(in: statusRow, painter: painter)
        // The path keeps its rows while a chart still gets three.
        if !studyPath.isEmpty, body.height >= studyPath.count + 3 {
            let (pathRows, rest) = body.splitTop(studyPath.count)
            drawPath(in: pathRows, painter: painter)
            body = rest
        }
        let epochs = training.epochs
        guard !epochs.isEmpty else {
            let size = training.parameters.map { " (\(Text.count($0)) parameters)" } ?? ""
            painter.put(Text.truncate("waiting for the first epoch\(size)…", to: body.width), row: body.row, col: body.col,
                        style: Style(fg: .muted))
            return
        }
        let teacher = training.teacher?.epochs ?? []
        let slots = max(training.maxEpochs, epochs.count, teacher.count)
        let loss = LineChart(series: [
            .init(name: "train", values: epochs.map(\.trainLoss), role: .train),
            .init(name: "val", values: epochs.map(\.valLoss), role: .val, dashed: true),
        ], xSlots: slots, caption: "loss")
        // A distilled student is judged against its teacher: the teacher's validation F1 per epoch
        // of its own training is drawn on the same axes.
        let teacherSeries: [LineChart.Series] = teacher.isEmpty ? [] : [
            .init(name: "teacher val", values: teacher.map(\.valF1), role: .accent, dashed: true),
        ]
        let f1 = LineChart(series: [
            .init(name: "train", values: epochs.map(\.trainF1), role: .train),
            .init(name: "val", values: epochs.map(\.valF1), role: .val, dashed: true),
        ] + teacherSeries, xSlots: slots, yRange: 0...1, caption: "macro-F1")

        if body.height >= Self.rowsForTwoCharts {
            let (top, bottom) = body.splitTop(body.height / 2)
            loss.draw(in: top, painter: painter)
            f1.draw(in: bottom, painter: painter)
        } else {
            let (chart, f1Row) = body.splitBottom(1)
            loss.draw(in: chart, painter: painter)
            if let last = epochs.last {
                painter.put("macro-F1  train \(Text.fixed(last.trainF1, 2))  val \(Text.fixed(last.valF1, 2))",
                            row: f1Row.row, col: f1Row.col, style: Style(fg: .muted))
            }
        }
    }

    private func drawPath(in rect: Rect, painter: Painter) {
        for (i, stage) in studyPath.enumerated() {
            let lead = (i == 0 ? "  " : "→ ") + Text.padRight(stage.step.rawValue, to: 8) + Text.padRight(stage.detail, to: 8)
            let style: Style
            var line: String
            switch stage.progress {
            case .waiting:
                (line, style) = (lead + "waiting", Style(fg: .muted))
            case .running:
                (line, style) = (lead + (stage.step == .int8 ? "converting…" : "training…"), Style(fg: .accent, bold: true))
            case let .done(f1, seconds):
                let time = " · " + String(format: "%.0f s", seconds)
                line = lead + "test F1 " + Text.fixed(f1, 3) + time
                if line.count > rect.width { line = lead + "test F1 " + Text.fixed(f1, 2) + time }
                style = Style(fg: .good)
            }
            painter.put(Text.truncate(line, to: rect.width), row: rect.row + i, col: rect.col, style: style)
        }
    }

    private func drawStatus(in row: Rect, painter: Painter) {
        var parts = ["epoch \(training.currentEpoch)/\(training.maxEpochs)"]
        if let teacher = training.teacher { parts.append("distilling from \(teacher.label)") }
        if training.paused {
            parts.append("‖ paused")
        } else if training.running, let now = training.inProgress {
            parts.append(now.validating ? "validating epoch \(now.epoch)"
                                        : "\(Int(now.fraction * 100)) % of epoch \(now.epoch)")
        }
        if !training.status.isEmpty { parts.append(training.status) }
        painter.put(Text.truncate(parts.joined(separator: " · "), to: row.width), row: row.row, col: row.col,
                    style: Style(fg: training.paused ? .warn : .muted, bold: training.paused))
    }
}
