import AuthEngine
import Synchronization

/// What other threads hand to the UI thread: finished jobs, the server URL once bound, a stop request
/// (SIGTERM, SIGINT, SIGHUP, or the server ending). Drained between frames.
public final class ConsoleInbox: Sendable {
    private struct State {
        var results: [JobResult] = []
        var serverURL: String??
        var stop: String?
    }
    private let state = Mutex(State())

    public init() {}

    public func post(_ result: JobResult) { state.withLock { $0.results.append(result) } }
    public func setServerURL(_ url: String?) { state.withLock { $0.serverURL = .some(url) } }
    /// Ends the UI loop at its next frame, with the reason shown after the terminal is restored.
    public func stop(_ reason: String) { state.withLock { if $0.stop == nil { $0.stop = reason } } }

    func drain() -> (results: [JobResult], serverURL: String??, stop: String?) {
        state.withLock { s in
            defer {
                s.results.removeAll(keepingCapacity: true)
                s.serverURL = nil
            }
            return (s.results, s.serverURL, s.stop)
        }
    }
}

/// Where frames go and keys come from: the ncurses terminal, or a headless device in the benchmark.
public protocol ConsoleDevice: AnyObject {
    /// The screen size now (read after a `.resize` key).
    var size: (width: Int, height: Int) { get }
    /// Shows a frame.
    func present(_ grid: CellGrid, theme: Theme, themeGeneration: Int)
    /// The next key; with `wait`, blocks up to one frame for it, else returns at once.
    func nextKey(wait: Bool) -> Key?
}

/// The UI loop, on the one thread that owns the device: drain the inbox (job results), start the
/// jobs screens asked for as tasks that post back to the inbox, let time pass, draw, read keys.
public enum ConsoleLoop {
    /// Runs until the user quits or the inbox is told to stop; returns the stop reason, if any.
    public static func run(_ app: ConsoleApp, engine: ClaimdeckEngine, inbox: ConsoleInbox, device: any ConsoleDevice) -> String? {
        var grid = CellGrid(width: device.size.width, height: device.size.height)
        app.start()
        while true {
            let incoming = inbox.drain()
            if let reason = incoming.stop { return reason }
            if let url = incoming.serverURL { app.setServerURL(url) }
            for r in incoming.results { app.deliver(r) }
            for job in app.takeJobs() {
                Task.detached { inbox.post(await job.run(on: engine)) }
            }
            app.tick()
            if app.quitRequested { return nil }
            app.render(into: &grid)
            device.present(grid, theme: app.theme, themeGeneration: app.themeGeneration)
            // Wait up to one frame for a key, then take every key already typed before the next frame.
            var wait = true
            while let key = device.nextKey(wait: wait) {
                wait = false
                if key == .resize { grid = CellGrid(width: device.size.width, height: device.size.height) }
                app.handle(key)
                if app.quitRequested { return nil }
            }
        }
    }
}
