import AuthEngine
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One LISTEN connection per node, fanned out to every reader: the configuration watch and the live
/// audit tails wait for these instead of polling. When the connection is lost it reconnects (every
/// second). Each time it starts listening (the first time too) it announces every kind of change
/// once: notifications sent before the LISTEN took effect are gone, and a reader that subscribed
/// before then (a node starting) would otherwise wait for the next change, or its fallback poll.
final class PostgresChangeFeed: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<StoreChange>.Continuation]>([:])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, logger: Logger) {
        let listener = Task { [weak self] in
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        let notifications = try await connection.listen(PostgresChannels.changes)
                        self?.broadcast([.config, .audit, .throttle])
                        for try await notification in notifications {
                            if let change = StoreChange(rawValue: notification.payload) { self?.broadcast([change]) }
                        }
                    }
                } catch {
                    if !Task.isCancelled { logger.notice("the PostgreSQL change feed lost its connection; reconnecting") }
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        task.withLock { $0 = listener }
    }

    private func broadcast(_ changes: [StoreChange]) {
        for subscriber in subscribers.withLock({ Array($0.values) }) {
            for change in changes { subscriber.yield(change) }
        }
    }

    func changes() -> AsyncStream<StoreChange> {
        let (stream, continuation) = AsyncStream<StoreChange>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    func stop() {
        task.withLock { $0?.cancel() }
        for subscriber in subscribers.withLock({ Array($0.values) }) { subscriber.finish() }
    }
}
