import AuthEngine
import Foundation

/// Where the console should go next; the shell acts on it after the key is handled.
public enum Navigation: Sendable, Hashable {
    case screen(ScreenKind)
    case token(String)
    /// The tokens screen with a `/` filter ("client:billing-service").
    case tokens(filter: String)
    case client(String)
    case user(String)
    case switchTenant(String)
    case back
    case quit
}

/// What screens use to reach the engine and the shell: start jobs, flash, ask, navigate. Confined to
/// the UI thread, like the screens.
public final class ConsoleContext {
    public let engine: ClaimdeckEngine
    public let clock: any WallClock
    public internal(set) var tenantID: String
    /// Who the audit log names for acts from here.
    public let actor = "console"

    var outbox: [Job] = []
    private var completions: [Int: (any Sendable) -> Void] = [:]
    private var nextJobID = 1
    var flash = Flash()
    var dialog: Dialog?
    var navigation: [Navigation] = []
    /// The terminal, for what is not drawn in cells (the clipboard); nil without one.
    var terminal: (any TerminalControl)?
    /// Every write refused (`--read-only`, or `:readonly`): for looking around during an incident.
    public internal(set) var readOnly = false

    init(engine: ClaimdeckEngine, clock: any WallClock, tenantID: String) {
        self.engine = engine
        self.clock = clock
        self.tenantID = tenantID
    }

    public var now: Date { clock.now() }

    /// Runs `work` against the engine off the UI thread; `then` gets its result on the UI thread.
    public func run<T: Sendable>(
        _ label: String,
        _ work: @escaping @Sendable (ClaimdeckEngine) async throws(AdminError) -> T,
        then: @escaping (Result<T, AdminError>) -> Void
    ) {
        let id = nextJobID
        nextJobID += 1
        outbox.append(
            Job(id: id, label: label) { engine in
                do throws(AdminError) {
                    return Result<T, AdminError>.success(try await work(engine))
                } catch {
                    return Result<T, AdminError>.failure(error)
                }
            }
        )
        completions[id] = { value in
            guard let result = value as? Result<T, AdminError> else { return }
            then(result)
        }
    }

    /// Jobs in flight or waiting to start.
    public var pendingJobs: Int { completions.count }

    func complete(_ result: JobResult) {
        completions.removeValue(forKey: result.id)?(result.value)
    }

    public func flash(_ message: String, _ level: Flash.Level = .info) {
        flash.show(message, level, at: now)
    }

    /// Flashes an engine error (messages name the field and the fix; they never carry a secret).
    public func fail(_ error: AdminError) {
        flash(error.description, .error)
    }

    /// Puts `text` on the terminal's clipboard (OSC 52) and says so; `what` ("Secret of api-gateway")
    /// names it in the flash line, which never shows the text itself. A terminal without OSC 52
    /// ignores the sequence, which the README says.
    public func copyToClipboard(_ text: String, what: String) {
        guard let terminal else {
            flash("\(what) not copied: no terminal; copy it from the screen", .warn)
            return
        }
        terminal.send(OSC52.copy(text))
        flash("\(what) copied to the terminal clipboard (OSC 52)")
    }

    /// Says that read-only mode refused `what` and that nothing changed.
    public func refuseWrite(_ what: String) {
        flash("read-only mode: '\(what)' refused, nothing changed (:readonly turns writes back on)", .error)
    }

    /// Copies an id (not a secret: the flash line shows it) of the selected row.
    public func copyID(_ id: String, _ what: String) {
        copyToClipboard(id, what: "\(what) \(id)")
    }

    public func present(_ dialog: Dialog) {
        self.dialog = dialog
    }

    public func go(_ to: Navigation) {
        navigation.append(to)
    }
}
