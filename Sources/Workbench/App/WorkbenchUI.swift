/// The four panes of the overview, in Tab order (reading order on screen).
public enum Pane: Int, CaseIterable, Sendable {
    case train, memory, quantization, replay

    /// The header tab that zooms this pane.
    var tab: Int {
        switch self {
        case .train: return 1
        case .quantization: return 2
        case .memory: return 3
        case .replay: return 4
        }
    }

    static func forTab(_ n: Int) -> Pane? { allCases.first { $0.tab == n } }
}

/// What the screen shows apart from the engine's snapshot: which pane has focus, which view is
/// open, whether help is up. Owned by the app, changed only by keys.
public struct WorkbenchUI: Equatable, Sendable {
    public enum View: Equatable, Sendable {
        /// All four panes.
        case overview
        /// One pane over the whole body (views 1–4).
        case zoomed(Pane)
        /// Float against int8 side by side (view 5).
        case compare
        /// The floor plan and a few models in plain words, for a clinician (view 6).
        case present
    }

    public var focus: Pane
    public var view: View
    public var showHelp: Bool
    /// The whole of the current notice, wrapped in a box: an error (a bad data file, say) is
    /// usually longer than the footer line that shows it.
    public var showMessage = false
    /// The open "new run" picker, if any.
    public var picker: RunPicker?
    /// The Compare view's table order and its selected row (an index into the sorted rows).
    public var variantOrder = VariantOrder.testF1
    public var selectedVariant = 0
    /// The Present view's chosen model (an index into `Presentation.choices`).
    public var presentChoice = 0

    public init(focus: Pane = .train, view: View = .overview, showHelp: Bool = false) {
        self.focus = focus
        self.view = view
        self.showHelp = showHelp
    }

    /// The header tab that is lit: the open view's, or in the overview the focused pane's.
    var activeTab: Int {
        switch view {
        case .overview: return focus.tab
        case .zoomed(let pane): return pane.tab
        case .compare: return 5
        case .present: return 6
        }
    }
}

/// The "new run" picker: a data source, a model and a teacher, each chosen with ← →; ↑ ↓ moves between them.
public struct RunPicker: Equatable, Sendable {
    public enum Field: Int, CaseIterable, Sendable { case dataSource, model, teacher }
    public var field: Field = .dataSource
    public var dataSource: Int
    public var model: Int
    public var teacher = 0

    public init(dataSource: Int, model: Int) {
        self.dataSource = dataSource
        self.model = model
    }
}
