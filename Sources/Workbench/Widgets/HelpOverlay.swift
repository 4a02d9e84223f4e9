/// The key reference, drawn in a box over the centre of the screen.
struct HelpOverlay {
    static let bindings: [(keys: String, action: String)] = [
        ("1 2 3 4", "zoom Train / Compress / Deploy / Replay (again: back)"),
        ("5", "compare float and int8, and every saved variant of every session"),
        ("6", "present to a clinician: the floor plan, a plain sentence, ↑ ↓ chooses a model"),
        ("Tab  shift-Tab", "move focus between panes"),
        ("Enter  Esc", "zoom the focused pane / back to all panes"),
        ("space", "pause or resume training"),
        ("↑ ↓  k j", "select a layer (RAM and quantization panes)"),
        ("p", "play or pause the replay"),
        ("← →  h l", "replay: one minute back / forward"),
        ("+ -  ] [", "replay faster / slower; in Compress (2): the layer's weights int4 ↔ int8 ↔ int16 ↔ fp16"),
        ("o  u  s", "Compress (2): output int8 ↔ int16 · undo · save the plan as a variant"),
        ("a", "Compress (2): automatic mixed-precision search under the RAM budget; shows its Pareto front"),
        ("↑ ↓  s  Enter", "Compare (5): select a variant · sort by the next column · open its session"),
        ("e", "Deploy (3): export the integer model as C into the session's export/ folder"),
        ("click", "a tab opens its view; a pane, an op (2), a variant (5) or a model (6) is selected"),
        ("n", "new run: pick the data source and the model"),
        ("m", "show or hide the whole of the last message"),
        ("?", "show or hide this help"),
        ("q  Ctrl-C", "quit"),
    ]

    func draw(in screen: Rect, painter: Painter) {
        let keyWidth = Self.bindings.map(\.keys.count).max() ?? 0
        let lines = Self.bindings.map { Text.padRight($0.keys, to: keyWidth) + "  " + $0.action }
        let width = min(screen.width - 2, (lines.map(\.count).max() ?? 0) + 4)
        let height = min(screen.height - 2, lines.count + 2)
        let rect = Rect(row: screen.row + (screen.height - height) / 2, col: screen.col + (screen.width - width) / 2,
                        width: width, height: height)
        painter.fill(rect)
        let inner = Box(title: "Keys", focused: true).draw(in: rect, painter: painter)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            painter.put(Text.truncate(line, to: inner.width - 2), row: inner.row + i, col: inner.col + 1)
        }
    }
}
