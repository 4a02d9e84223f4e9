/// Where things go on a screen of a given size: header line, body, footer line, and the body
/// cut into four panes (Train top-left, RAM top-right, quantization bottom-left, replay bottom-right).
struct Layout {
    static let minimum = Size(width: 80, height: 24)

    let screen: Rect
    let header: Rect
    let body: Rect
    let footer: Rect

    init(size: Size) {
        screen = Rect(row: 0, col: 0, width: size.width, height: size.height)
        let (header, rest) = screen.splitTop(1)
        let (body, footer) = rest.splitBottom(1)
        self.header = header
        self.body = body
        self.footer = footer
    }

    var fits: Bool { screen.width >= Self.minimum.width && screen.height >= Self.minimum.height }

    func rect(for pane: Pane) -> Rect {
        let (top, bottom) = body.splitTop(body.height / 2)
        let half = body.width / 2
        switch pane {
        case .train: return top.splitLeft(half).0
        case .memory: return top.splitLeft(half).1
        case .quantization: return bottom.splitLeft(half).0
        case .replay: return bottom.splitLeft(half).1
        }
    }
}
