import AuthEngine
@preconcurrency import CNcursesw
import ConsoleUI
import Foundation
import Synchronization

/// Why the console could not take the terminal.
public struct TerminalError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The ncurses console: owns one dedicated OS thread (ncurses is not thread-safe, and `wget_wch`
/// blocks), draws `ConsoleApp`'s cell grid flushing only changed cells, reads keys, runs the app's
/// engine jobs as tasks whose results come back through the inbox, and restores the terminal on every
/// way out: quit, Ctrl-C, SIGTERM/SIGINT/SIGHUP, and crashes (a fatal signal handler calls `endwin`).
public enum TerminalConsole {
    /// How long a frame waits for a key.
    static let frameMilliseconds: Int32 = 30

    /// Runs the console until the user quits or `inbox.stop` is called; returns the stop reason, if any.
    ///
    /// - Parameters:
    ///   - logPath: stderr goes here while the console owns the terminal, so nothing tears the screen.
    ///   - makeApp: builds the app on the UI thread once the terminal's colour depth is known.
    public static func run(
        engine: ClaimdeckEngine,
        inbox: ConsoleInbox,
        logPath: String,
        makeApp: @escaping @Sendable (ColorDepth) -> ConsoleApp
    ) async throws(TerminalError) -> String? {
        let outcome: Result<String?, TerminalError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result { () throws(TerminalError) -> String? in
                        try uiThread(engine: engine, inbox: inbox, logPath: logPath, makeApp: makeApp)
                    }
                )
            }
            thread.name = "claimdeck-console"
            thread.start()
        }
        return try outcome.get()
    }

    private static func uiThread(
        engine: ClaimdeckEngine,
        inbox: ConsoleInbox,
        logPath: String,
        makeApp: @Sendable (ColorDepth) -> ConsoleApp
    ) throws(TerminalError) -> String? {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        let utf8 = ["utf-8", "utf8"].contains(codeset.lowercased())
        let stderrCopy = try StderrRedirect(to: logPath)
        defer { stderrCopy.restore() }
        // Watching before the terminal changes: from here on a SIGTERM ends the loop, never the process.
        let signals = SignalWatch(inbox: inbox)
        defer { signals.cancel() }
        guard let screen = newterm(nil, stdout, stdin) else {
            throw TerminalError(
                message:
                    "cannot open the terminal (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "unset")); use 'claimdeck serve' or a CLI command"
            )
        }
        set_term(screen)
        CrashGuard.install()
        defer {
            endwin()
            delscreen(screen)
        }
        raw()
        noecho()
        nonl()
        keypad(stdscr, true)
        set_escdelay(25)
        curs_set(0)
        wtimeout(stdscr, frameMilliseconds)
        var colors: Int32 = 0
        if has_colors() {
            start_color()
            use_default_colors()
            colors = COLORS
        }
        let depth = ColorDepth.detect(environment: ProcessInfo.processInfo.environment, terminalColors: Int(colors))
        let app = makeApp(depth)
        let device = NcursesDevice(depth: depth)
        app.attach(terminal: device)
        if !utf8 {
            app.setGlyphs(.ascii)
            let env = ProcessInfo.processInfo.environment
            let locale = env["LC_ALL"].map { "LC_ALL=\($0)" } ?? env["LC_CTYPE"].map { "LC_CTYPE=\($0)" } ?? "LANG=\(env["LANG"] ?? "unset")"
            app.context.flash("the locale (\(locale)) is not UTF-8: drawing with ASCII stand-ins", .warn)
        }
        return ConsoleLoop.run(app, engine: engine, inbox: inbox, device: device)
    }
}

/// stdscr as a `ConsoleDevice`: frames through the painter, keys through `wget_wch`; escape sequences
/// ncurses has no call for (OSC 52) straight to the terminal.
final class NcursesDevice: ConsoleDevice, TerminalControl {
    private let painter: Painter

    init(depth: ColorDepth) {
        painter = Painter(depth: depth)
    }

    var size: (width: Int, height: Int) { (Int(getmaxx(stdscr)), Int(getmaxy(stdscr))) }

    func present(_ grid: CellGrid, theme: Theme, themeGeneration: Int) {
        if painter.themeGeneration != themeGeneration { painter.apply(theme, generation: themeGeneration) }
        if grid.width != size.width || grid.height != size.height { painter.invalidate() }
        painter.flush(grid)
    }

    /// Called between frames, after `doupdate` has flushed ncurses' own buffer, so the sequence cannot
    /// land inside a half-written frame.
    func send(_ sequence: [UInt8]) {
        fflush(stdout)
        sequence.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
        }
    }

    func nextKey(wait: Bool) -> Key? {
        if !wait { wtimeout(stdscr, 0) }
        defer { if !wait { wtimeout(stdscr, TerminalConsole.frameMilliseconds) } }
        var code: UInt32 = 0
        let status = cn_get_wch(stdscr, &code)
        if status == ERR { return nil }
        return KeyDecoder.decode(status: status, code: code) ?? .function(0)
    }
}
/// Points fd 2 at a log file while the console runs, and back afterwards. Nested redirects restore
/// in order.
public struct StderrRedirect: Sendable {
    private let saved: Int32

    public init(to path: String) throws(TerminalError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw TerminalError(message: "cannot open the console log \(path): \(String(cString: strerror(errno)))") }
        fflush(stderr)
        saved = dup(2)
        dup2(fd, 2)
        close(fd)
    }

    public func restore() {
        fflush(stderr)
        dup2(saved, 2)
        close(saved)
    }
}

/// SIGTERM, SIGINT and SIGHUP end the UI loop at its next frame (never work in a handler): Dispatch
/// sources deliver them to a queue, which asks the inbox to stop, and the console then exits 0 by its
/// own path. SIGWINCH is left to ncurses.
///
/// How libdispatch does it on Linux decides the details: registering a signal source (on its manager
/// thread, after `resume` returns) replaces the disposition with its own handler, which blocks the
/// signal in the thread it lands on and forwards it to the manager thread's signalfd. So:
/// - `init` waits for the registrations; until then the signals are ignored, and a signal ignored
///   then would be lost, not delivered late.
/// - `cancel` puts `SIG_IGN` back for good: the shutdown that follows (the server stopping, the store
///   closing) must not die of a second signal, nor leave it to a handler whose signalfd is closed.
final class SignalWatch {
    static let watched: [(Int32, String)] = [(SIGTERM, "terminated (SIGTERM)"), (SIGINT, "interrupted (SIGINT)"), (SIGHUP, "hung up (SIGHUP)")]
    private let sources: [any DispatchSourceSignal]

    init(inbox: ConsoleInbox) {
        let registered = DispatchSemaphore(value: 0)
        sources = Self.watched.map { sig, reason in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { inbox.stop(reason) }
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            return source
        }
        for _ in sources { _ = registered.wait(timeout: .now() + 2) }
    }

    func cancel() {
        for s in sources { s.cancel() }
        for (sig, _) in Self.watched { signal(sig, SIG_IGN) }
    }
}

/// On a crash (a Swift trap is SIGILL or SIGTRAP, an abort SIGABRT), leave the terminal usable before
/// the process dies, then die of the same signal.
enum CrashGuard {
    static func install() {
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { s in
                endwin()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
        atexit { endwin() }
    }
}
