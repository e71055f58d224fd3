import AuthEngine
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One LISTEN connection per node, fanned out to every reader: the configuration watch and the live
/// audit tails wait for these instead of polling. When the connection is lost it reconnects (every
/// second) and then announces every kind of change once, since notifications sent meanwhile are gone.
final class PostgresChangeFeed: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<StoreChange>.Continuation]>([:])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, logger: Logger) {
        let listener = Task { [weak self] in
            var listenedBefore = false
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        let notifications = try await connection.listen(PostgresChannels.changes)
                        if listenedBefore { self?.broadcast([.config, .audit, .throttle]) }
                        listenedBefore = true
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
