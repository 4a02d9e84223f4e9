/// The orders the Compare view's table can take; `s` there steps through them.
public enum VariantOrder: Int, CaseIterable, Sendable {
    case testF1, validationF1, ram, flash, session

    /// What the footer and the table's title say, e.g. "best test macro-F1 first".
    var words: String {
        switch self {
        case .testF1: return "best test macro-F1 first"
        case .validationF1: return "best validation macro-F1 first"
        case .ram: return "least RAM first"
        case .flash: return "least flash first"
        case .session: return "by session name"
        }
    }

    var next: VariantOrder { Self.allCases[(rawValue + 1) % Self.allCases.count] }

    /// The rows in this order; ties keep a fixed order (session, then variant name) so the
    /// selected row does not jump between two equal rows.
    func sorted(_ rows: [WorkbenchState.VariantRow]) -> [WorkbenchState.VariantRow] {
        rows.sorted { a, b in
            let tie = (a.session, a.name) < (b.session, b.name)
            switch self {
            case .testF1: return a.testF1 != b.testF1 ? a.testF1 > b.testF1 : tie
            case .validationF1: return a.validationF1 != b.validationF1 ? a.validationF1 > b.validationF1 : tie
            case .ram: return a.arenaBytes != b.arenaBytes ? a.arenaBytes < b.arenaBytes : tie
            case .flash: return a.flashBytes != b.flashBytes ? a.flashBytes < b.flashBytes : tie
            case .session: return tie
            }
        }
    }
}
