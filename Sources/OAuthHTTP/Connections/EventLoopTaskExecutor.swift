import NIOCore

/// Runs a connection's task on the event loop that owns its channel.
///
/// Hummingbird runs each connection in a task on Swift's global executor, so every request part read
/// and every response written crosses between an event-loop thread and a cooperative-pool thread
/// twice, each crossing a wake-up. Preferring the channel's own loop (`withTaskExecutorPreference`)
/// keeps parsing, routing, the engine's work and the write on one thread: measured in bench/run.sh
/// (issue 13's hand-offs). Awaits on other executors (the store's writer, actors) still return here.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: an EventLoop is thread-safe; `execute` may be called from any thread.
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
