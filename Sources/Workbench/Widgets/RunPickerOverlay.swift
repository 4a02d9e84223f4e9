/// The "new run" box: one line per choice, the field being changed highlighted, the keys below.
struct RunPickerOverlay {
    let picker: RunPicker
    let choices: WorkbenchState.RunChoices

    func draw(in screen: Rect, painter: Painter) {
        let rows: [(label: String, value: String, field: RunPicker.Field)] = [
            ("data", choices.dataSources.indices.contains(picker.dataSource) ? choices.dataSources[picker.dataSource] : "?", .dataSource),
            ("model", choices.models.indices.contains(picker.model) ? choices.models[picker.model] : "?", .model),
            ("teacher", choices.teachers.indices.contains(picker.teacher) ? choices.teachers[picker.teacher] : "none", .teacher),
        ]
        let hint = "← → change · ↑ ↓ field · Enter start · Esc cancel"
        let teacherNote = "a teacher brings its own data and split"
        let note = "the current run stops; its finished epochs stay saved"
        let valueWidth = max(rows.map(\.value.count).max() ?? 0, 12)
        let labelWidth = 8
        let width = min(screen.width - 2, max(hint.count, note.count, valueWidth + labelWidth + 6) + 4)
        let height = min(screen.height - 2, 9)
        let rect = Rect(row: screen.row + (screen.height - height) / 2, col: screen.col + (screen.width - width) / 2,
                        width: width, height: height)
        painter.fill(rect)
        let inner = Box(title: "New run", focused: true).draw(in: rect, painter: painter)
        for (i, row) in rows.enumerated() where i < inner.height {
            let selected = row.field == picker.field
            let line = Text.padRight(row.label, to: labelWidth) + "◀ " + Text.padRight(row.value, to: valueWidth) + " ▶"
            painter.put(Text.truncate(line, to: inner.width - 2), row: inner.row + i, col: inner.col + 1,
                        style: selected ? Style(fg: .focus, bold: true, reverse: true) : .plain)
        }
        let notes = [note] + (picker.teacher > 0 ? [teacherNote] : []) + [hint]
        for (i, line) in notes.enumerated() where rows.count + 1 + i < inner.height {
            painter.put(Text.truncate(line, to: inner.width - 2), row: inner.row + rows.count + 1 + i, col: inner.col + 1, style: Style(fg: .muted))
        }
    }
}
