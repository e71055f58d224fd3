import Foundation
import Synchronization

/// Counts one kind of change a `ChangeFeed` announces and lets readers wait for the next one, with a
/// bound: a reader waits until the count passes the one it has seen, or `timeout` on the engine's
/// clock (the fallback poll when a notification is lost).
final class ChangeSignal: Sendable {
    private struct State {
        var generation = 0
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }

    func bump() {
        let waiters = state.withLock { s in
            s.generation += 1
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the count has passed `seen`, or after `timeout`, or when the task is cancelled.
    func wait(after seen: Int, atMost timeout: Duration, clock: any Clock<Duration>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.next(after: seen) }
            group.addTask { try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func next(after seen: Int) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.generation > seen || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// The signals of a store's change feed, fed by one task for the engine's lifetime.
final class ChangeSignals: Sendable {
    let config = ChangeSignal()
    let audit = ChangeSignal()
    let throttle = ChangeSignal()
    private let task: Task<Void, Never>

    init(feed: any ChangeFeed) {
        let (config, audit, throttle) = (self.config, self.audit, self.throttle)
        let stream = feed.changes()
        task = Task {
            for await change in stream {
                switch change {
                case .config: config.bump()
                case .audit: audit.bump()
                case .throttle: throttle.bump()
                }
            }
        }
    }

    deinit { task.cancel() }
}
