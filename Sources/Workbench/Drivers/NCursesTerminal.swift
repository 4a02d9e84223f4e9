import CNCursesW
import Foundation
import Glibc

/// The signal that asked us to leave, set by the handler and read on the UI thread: the
/// handler itself only stores a number, because curses must not be touched from a signal.
private var caughtSignal: sig_atomic_t = 0

/// The actions that were in place before ours for the fatal signals (the Swift runtime's
/// backtracer, or the default), indexed by signal number; the handler goes back to them. Raw
/// memory, because the handler must not allocate or touch Swift arrays.
private let fatalSignals = [SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE]
private let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

/// A crash (a trap, a fault, an abort) while curses owns the screen: the backtrace would be
/// printed in raw mode as staircase text over the panes, and the runtime's backtracer would wait
/// 30 s at an interactive prompt on the terminal. So: give the terminal back first (endwin is not
/// async-signal-safe, but the process is going down either way, and a readable message is the
/// point), take stdin off the terminal so the backtracer does not prompt, then fall back to the
/// previous action and raise the signal again.
private func restoreTerminalAndCrash(_ signal: Int32) {
    endwin()
    replayCapturedErrors()
    let null = open("/dev/null", O_RDONLY)
    if null >= 0 { dup2(null, STDIN_FILENO) }
    sigaction(signal, previousActions + Int(signal), nil)
    raise(signal)
}

/// While curses owns the screen, standard error goes to an unlinked temporary file: text written
/// there (the runtime's "Fatal error: …" line just before its trap, a library's warning) would
/// otherwise land on the alternate screen and vanish with it. When the screen is given back, on
/// close or in the crash handler, the file is copied to the real standard error, which is then
/// restored. Plain descriptors, because the crash handler may only use async-signal-safe calls.
private var capturedErrors: Int32 = -1
private var realStandardError: Int32 = -1

private func captureStandardError() {
    var template = Array("/tmp/tinyloc-stderr-XXXXXX".utf8CString)
    let file = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard file >= 0 else { return }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    let saved = dup(STDERR_FILENO)
    guard saved >= 0, dup2(file, STDERR_FILENO) >= 0 else {
        Glibc.close(file)
        if saved >= 0 { Glibc.close(saved) }
        return
    }
    capturedErrors = file
    realStandardError = saved
}

private func replayCapturedErrors() {
    guard capturedErrors >= 0, realStandardError >= 0 else { return }
    dup2(realStandardError, STDERR_FILENO)
    lseek(capturedErrors, 0, SEEK_SET)
    var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    withUnsafeMutableBytes(of: &buffer) { bytes in
        while true {
            let count = read(capturedErrors, bytes.baseAddress, bytes.count)
            if count <= 0 { break }
            _ = write(STDERR_FILENO, bytes.baseAddress, count)
        }
    }
    Glibc.close(capturedErrors)
    Glibc.close(realStandardError)
    capturedErrors = -1
    realStandardError = -1
}

/// The real terminal, through ncursesw. Create, use and close it on the main thread only:
/// curses keeps global state and is not thread safe.
public final class NCursesTerminal: Terminal {
    public let capabilities: Capabilities
    private var pairs: [PairKey: Int16] = [:]
    private var defaultColors = false
    private var open = true

    private struct PairKey: Hashable {
        var fg: Int16
        var bg: Int16
    }

    public enum StartError: Error, CustomStringConvertible {
        case cannotStart(String)
        public var description: String {
            switch self {
            case .cannotStart(let why): return why
            }
        }
    }

    /// Starts curses on standard input/output. Run `TerminalCheck.problem()` first: on a terminal
    /// that cannot address the cursor this throws rather than drawing garbage.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        precondition(Thread.isMainThread, "curses must be driven from the main thread")
        setlocale(LC_ALL, "")
        guard newterm(nil, tl_stdout(), tl_stdin()) != nil else {
            throw StartError.cannotStart("curses could not start on TERM=\(environment["TERM"] ?? "")")
        }
        cbreak()
        noecho()
        nonl()
        keypad(tl_stdscr(), true)
        tl_enable_mouse()
        curs_set(0)
        // Esc alone must not wait a second to be told apart from an arrow key's escape sequence.
        set_escdelay(25)
        var colors = 0
        if has_colors() {
            start_color()
            defaultColors = use_default_colors() == tl_ok()
            colors = Int(tl_colors())
        }
        let codeset = nl_langinfo(nl_item(CODESET)).map { String(cString: $0) }
        capabilities = Capabilities.detect(environment: environment, codeset: codeset, terminalColors: colors)
        caughtSignal = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { caughtSignal = $0 }
        sigemptyset(&action.sa_mask)
        // No SA_RESTART: the signal must interrupt a blocking key read so the loop can leave.
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        var fatal = sigaction()
        fatal.__sigaction_handler.sa_handler = restoreTerminalAndCrash
        sigemptyset(&fatal.sa_mask)
        fatal.sa_flags = 0
        for signal in fatalSignals { sigaction(signal, &fatal, previousActions + Int(signal)) }
        captureStandardError()
    }

    deinit { close() }

    /// Restores the terminal; safe to call twice.
    public func close() {
        guard open else { return }
        open = false
        endwin()
        replayCapturedErrors()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        for signal in fatalSignals { sigaction(signal, previousActions + Int(signal), nil) }
    }

    public var size: Size {
        var rows: Int32 = 0, cols: Int32 = 0
        tl_getmaxyx(tl_stdscr(), &rows, &cols)
        return Size(width: Int(cols), height: Int(rows))
    }

    public func put(_ text: String, row: Int, col: Int, style: Style) {
        let (attributes, pair) = curses(style)
        var c = Int32(col)
        for character in text {
            var wide: [wchar_t] = character.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) } + [0]
            _ = tl_add_wide(Int32(row), c, &wide, attributes, pair)
            c += 1
        }
    }

    public func clear() { erase() }

    public func refresh() { CNCursesW.refresh() }

    public func readKey(timeoutMilliseconds: Int?) -> Key? {
        if let key = takeSignal() { return key }
        timeout(Int32(timeoutMilliseconds ?? -1))
        let code = getch()
        if let key = takeSignal() { return key }
        return code == tl_err() ? nil : Self.key(code)
    }

    private func takeSignal() -> Key? {
        guard caughtSignal != 0 else { return nil }
        caughtSignal = 0
        return .interrupt
    }

    private static func key(_ code: Int32) -> Key {
        switch code {
        case tl_key_up(): return .up
        case tl_key_down(): return .down
        case tl_key_left(): return .left
        case tl_key_right(): return .right
        case tl_key_btab(): return .backTab
        case tl_key_resize(): return .resize
        case tl_key_mouse():
            var row: Int32 = 0, col: Int32 = 0
            return tl_mouse_click(&row, &col) == 1 ? .click(row: Int(row), col: Int(col)) : .other(code)
        case tl_key_enter(), 10, 13: return .enter
        case 9: return .tab
        case 27: return .escape
        case 32...126: return .char(Character(Unicode.Scalar(UInt8(code))))
        default: return .other(code)
        }
    }

    private func curses(_ style: Style) -> (attr_t, Int16) {
        var attributes: attr_t = 0
        if style.bold { attributes |= tl_a_bold() }
        if style.reverse { attributes |= tl_a_reverse() }
        if style.dim { attributes |= tl_a_dim() }
        let fg = Palette.entry(style.fg)
        switch capabilities.colors {
        case .none:
            if fg.monoBold { attributes |= tl_a_bold() }
            if fg.monoReverse || style.bg != nil { attributes |= tl_a_reverse() }
            if fg.monoDim { attributes |= tl_a_dim() }
            return (attributes, 0)
        case .eight:
            let bg = style.bg.map { Palette.entry($0).bg8 } ?? -1
            return (attributes, pair(fg: fg.fg8, bg: bg))
        case .full256:
            let bg = style.bg.map { Palette.entry($0).bg256 } ?? -1
            return (attributes, pair(fg: fg.fg256, bg: bg))
        }
    }

    /// Colour pairs are made on first use; without default colours, "default" becomes white on black.
    private func pair(fg: Int16, bg: Int16) -> Int16 {
        let key = PairKey(fg: fg, bg: bg)
        if let known = pairs[key] { return known }
        let number = Int16(pairs.count + 1)
        guard Int32(number) < tl_color_pairs() else { return 0 }
        init_pair(number, fg < 0 && !defaultColors ? 7 : fg, bg < 0 && !defaultColors ? 0 : bg)
        pairs[key] = number
        return number
    }
}
