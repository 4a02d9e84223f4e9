/// Every key binding of the workbench, in one place. Returns false when the user quits.
extension WorkbenchUI {
    mutating func handle(_ key: Key, controller: WorkbenchController, choices: WorkbenchState.RunChoices = .init(),
                         variants: [WorkbenchState.VariantRow] = [], presentChoices: Int = 0) -> Bool {
        if picker != nil { return handlePicker(key, controller: controller, choices: choices) }
        if view == .compare, handleCompare(key, controller: controller, variants: variants) { return true }
        if view == .present, key == .up || key == .down || key == .char("k") || key == .char("j") {
            let step = key == .up || key == .char("k") ? -1 : 1
            presentChoice = max(0, min(presentChoice + step, presentChoices - 1))
            return true
        }
        switch key {
        case .char("n") where !choices.dataSources.isEmpty && !choices.models.isEmpty:
            picker = RunPicker(dataSource: choices.currentDataSource, model: choices.currentModel)
        case .char("q"), .char("Q"), .interrupt:
            controller.quit()
            return false
        case .char("?"):
            showHelp.toggle()
        case .char("m"):
            showMessage.toggle()
        case .escape:
            if showMessage {
                showMessage = false
            } else if showHelp {
                showHelp = false
            } else {
                view = .overview
            }
        case .tab:
            moveFocus(by: 1)
        case .backTab:
            moveFocus(by: -1)
        case .enter:
            view = view == .zoomed(focus) ? .overview : .zoomed(focus)
        case .char(" "):
            controller.togglePause()
        case .up, .char("k"):
            if view == .zoomed(.quantization) { controller.compress(.select(-1)) } else { controller.selectLayer(delta: -1) }
        case .down, .char("j"):
            if view == .zoomed(.quantization) { controller.compress(.select(1)) } else { controller.selectLayer(delta: 1) }
        case .char("p"):
            controller.replay(.togglePlay)
        case .char("+"), .char("="), .char("]"):
            if view == .zoomed(.quantization) { controller.compress(.weights(1)) } else { controller.replay(.faster) }
        case .char("-"), .char("["):
            if view == .zoomed(.quantization) { controller.compress(.weights(-1)) } else { controller.replay(.slower) }
        case .char("o") where view == .zoomed(.quantization):
            controller.compress(.toggleOutput)
        case .char("u") where view == .zoomed(.quantization):
            controller.compress(.undo)
        case .char("s") where view == .zoomed(.quantization):
            controller.compress(.save)
        case .char("a") where view == .zoomed(.quantization):
            controller.compress(.autoSearch)
        case .char("e") where view == .zoomed(.memory):
            controller.exportC()
        case .char("5"):
            view = view == .compare ? .overview : .compare
        case .char("6"):
            view = view == .present ? .overview : .present
        case .char(let c):
            if let n = c.wholeNumberValue, let pane = Pane.forTab(n) {
                focus = pane
                view = view == .zoomed(pane) ? .overview : .zoomed(pane)
            }
        case .left, .char("h"):
            controller.replay(.scrub(-1))
        case .right, .char("l"):
            controller.replay(.scrub(1))
        case .resize, .other, .click:
            break
        }
        return true
    }

    /// A click on a tab opens that view as its number key would; in the overview a click on a
    /// pane gives it focus; in the Compare view a click on a variant selects it, in the Compress
    /// view a click on an op, in the Present view a click on a model to choose.
    mutating func click(row: Int, col: Int, state: WorkbenchState, size: Size, controller: WorkbenchController) {
        let layout = Layout(size: size)
        guard layout.fits, picker == nil else { return }
        if row == layout.header.row {
            if let tab = WorkbenchApp.headerBar(state: state, ui: self).tab(atColumn: col - layout.header.col, width: layout.header.width),
               tab != activeTab || view == .overview {
                _ = handle(.char(Character("\(tab)")), controller: controller, choices: state.choices, variants: state.variants)
            }
            return
        }
        switch view {
        case .overview:
            if let pane = Pane.allCases.first(where: { layout.rect(for: $0).contains(row: row, col: col) }) { focus = pane }
        case .compare:
            let pane = ComparePane(state: state, order: variantOrder, selected: selectedVariant)
            if let index = pane.variant(atRow: row, in: layout.body) { selectedVariant = index }
        case .present:
            let pane = PresentPane(replay: state.replay, presentation: state.presentation, selected: presentChoice)
            if let index = pane.choice(atRow: row, col: col, in: layout.body) { presentChoice = index }
        case .zoomed(.quantization):
            if let index = CompressPane(compress: state.compress).op(atRow: row, in: layout.body), index != state.compress.selected {
                controller.compress(.select(index - state.compress.selected))
            }
        default:
            break
        }
    }

    /// The Compare view's own keys (select, order, open); false for keys it leaves to the rest.
    private mutating func handleCompare(_ key: Key, controller: WorkbenchController, variants: [WorkbenchState.VariantRow]) -> Bool {
        let count = variants.count
        switch key {
        case .up, .char("k"):
            selectedVariant = max(0, min(selectedVariant, count - 1) - 1)
        case .down, .char("j"):
            selectedVariant = max(0, min(selectedVariant + 1, count - 1))
        case .char("s"):
            // The selection follows its row into the new order.
            let sorted = variantOrder.sorted(variants)
            let selected = sorted.indices.contains(selectedVariant) ? sorted[selectedVariant] : nil
            variantOrder = variantOrder.next
            selectedVariant = selected.flatMap { row in variantOrder.sorted(variants).firstIndex(of: row) } ?? 0
        case .enter:
            let sorted = variantOrder.sorted(variants)
            guard sorted.indices.contains(selectedVariant) else { return true }
            controller.openSession(sorted[selectedVariant].session)
            view = .overview
        default:
            return false
        }
        return true
    }

    /// While the picker is open it takes every key: nothing else happens by accident.
    private mutating func handlePicker(_ key: Key, controller: WorkbenchController, choices: WorkbenchState.RunChoices) -> Bool {
        guard var chosen = picker else { return true }
        func cycle(_ value: Int, _ count: Int, _ step: Int) -> Int { (value + step + count) % max(count, 1) }
        switch key {
        case .interrupt:
            controller.quit()
            return false
        case .escape, .char("n"), .char("q"):
            picker = nil
            return true
        case .up, .down, .tab, .backTab, .char("k"), .char("j"):
            let fields = RunPicker.Field.allCases
            let step = (key == .up || key == .backTab || key == .char("k")) ? -1 : 1
            chosen.field = fields[cycle(chosen.field.rawValue, fields.count, step)]
        case .left, .right, .char("h"), .char("l"):
            let step = (key == .left || key == .char("h")) ? -1 : 1
            switch chosen.field {
            case .dataSource: chosen.dataSource = cycle(chosen.dataSource, choices.dataSources.count, step)
            case .model: chosen.model = cycle(chosen.model, choices.models.count, step)
            case .teacher: chosen.teacher = cycle(chosen.teacher, choices.teachers.count, step)
            }
        case .enter:
            picker = nil
            controller.startRun(dataSource: chosen.dataSource, model: chosen.model, teacher: chosen.teacher)
            return true
        default:
            break
        }
        picker = chosen
        return true
    }

    private mutating func moveFocus(by step: Int) {
        let all = Pane.allCases
        focus = all[(focus.rawValue + step + all.count) % all.count]
        if case .zoomed = view { view = .zoomed(focus) }
        if view == .compare || view == .present { view = .overview }
    }
}
