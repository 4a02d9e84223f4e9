import Foundation
import Models

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// On a terminal, a line at the bottom of the headless output that shows how far the epoch in
/// training has got (a `teacher-paper` epoch takes minutes and prints nothing until it ends),
/// redrawn in place twice a second. Other output goes through `print`, which clears the line
/// first, so logs never hold it. Off when standard output is not a terminal (a file, a pipe).
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let control: TrainingControl
    private var shown = false
    private var stopped = false
    private let enabled: Bool
    private var prefix = ""

    /// Put before the epoch, e.g. which fold of a cross-validation is training.
    var label: String {
        get { lock.withLock { prefix } }
        set { lock.withLock { prefix = newValue } }
    }

    init(control: TrainingControl) {
        self.control = control
        enabled = isatty(STDOUT_FILENO) == 1
    }

    func start() {
        guard enabled else { return }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                lock.lock()
                defer { lock.unlock() }
                if stopped { return }
                guard let progress = control.progress else { continue }
                let text = "  \(prefix)epoch \(progress.epoch): " + (progress.validating
                    ? "validating" : "\(Int(progress.fraction * 100)) % of \(progress.windows) windows")
                Swift.print("\r\u{1B}[K" + text, terminator: "")
                fflush(stdout)
                shown = true
            }
        }
        thread.name = "tinyloc.progress"
        thread.start()
    }

    /// Prints a line of ordinary output, wiping the progress line first if it is on screen.
    func print(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        clear()
        Swift.print(line)
        fflush(stdout)
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        clear()
    }

    private func clear() {
        guard shown else { return }
        Swift.print("\r\u{1B}[K", terminator: "")
        shown = false
    }
}
