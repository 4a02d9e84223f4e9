/// Every key binding of the workbench, in one place. Returns false when the user quits.
extension WorkbenchUI {
    mutating func handle(_ key: Key, controller: WorkbenchController) -> Bool {
        switch key {
        case .char("q"), .char("Q"), .interrupt:
            controller.quit()
            return false
        case .char("?"):
            showHelp.toggle()
        case .escape:
            if showHelp { showHelp = false } else { view = .overview }
        case .tab:
            moveFocus(by: 1)
        case .backTab:
            moveFocus(by: -1)
        case .enter:
            view = view == .zoomed(focus) ? .overview : .zoomed(focus)
        case .char(" "):
            controller.togglePause()
        case .up, .char("k"):
            controller.selectLayer(delta: -1)
        case .down, .char("j"):
            controller.selectLayer(delta: 1)
        case .char("p"):
            controller.replay(.togglePlay)
        case .char("+"), .char("="), .char("]"):
            controller.replay(.faster)
        case .char("-"), .char("["):
            controller.replay(.slower)
        case .char("5"):
            view = view == .compare ? .overview : .compare
        case .char(let c):
            if let n = c.wholeNumberValue, let pane = Pane.forTab(n) {
                focus = pane
                view = view == .zoomed(pane) ? .overview : .zoomed(pane)
            }
        case .left, .right, .resize, .other:
            break
        }
        return true
    }

    private mutating func moveFocus(by step: Int) {
        let all = Pane.allCases
        focus = all[(focus.rawValue + step + all.count) % all.count]
        if case .zoomed = view { view = .zoomed(focus) }
        if view == .compare { view = .overview }
    }
}
