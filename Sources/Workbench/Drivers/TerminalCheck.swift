import CNCursesW
import Foundation

/// Decides, before any drawing, whether this terminal can host the workbench at all.
public enum TerminalCheck {
    /// How `tinyloc` runs without a screen; the message points there.
    public static let headlessHint = "run `tinyloc run --headless` instead (or set TERM, e.g. TERM=xterm-256color)"

    /// A message saying why the workbench cannot draw here, or nil when it can. A terminal that
    /// cannot address the cursor would get garbage: TERM unset or "dumb", TERM unknown to
    /// terminfo, a terminfo entry without "cup", or standard input/output not being a terminal.
    public static func problem(environment: [String: String] = ProcessInfo.processInfo.environment,
                               isInteractive: Bool = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1) -> String? {
        let term = environment["TERM"] ?? ""
        let reason: String?
        if !isInteractive {
            reason = "standard input or output is not a terminal"
        } else if term.isEmpty {
            reason = "TERM is not set, so the terminal's abilities are unknown"
        } else if term == "dumb" {
            reason = "TERM=dumb cannot move the cursor"
        } else {
            switch tl_term_can_address(term) {
            case 1: reason = nil
            case 0: reason = "TERM=\(term) cannot move the cursor"
            default: reason = "TERM=\(term) is unknown to terminfo"
            }
        }
        return reason.map { "tinyloc: the workbench cannot draw here: \($0); \(headlessHint)." }
    }
}
