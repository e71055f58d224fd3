import AuthEngine

/// Engine work a screen asked for, ready to run off the UI thread. Its result comes back through
/// `ConsoleApp.deliver(_:)` on the UI thread, between frames.
public struct Job: Sendable {
    public let id: Int
    public let label: String
    let work: @Sendable (ClaimdeckEngine) async -> any Sendable

    /// Runs the work; call from any task.
    public func run(on engine: ClaimdeckEngine) async -> JobResult {
        JobResult(id: id, value: await work(engine))
    }
}

/// A finished job, to be handed back to the UI thread.
public struct JobResult: Sendable {
    public let id: Int
    let value: any Sendable
}
