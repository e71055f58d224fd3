import AuthEngine
import Logging
import NIOCore
import Synchronization

/// Every open connection of one server, whether it is idle, and the cap on their number. At the cap
/// a new connection makes room by closing the longest-idle one (as nginx reuses keep-alive
/// connections); when none is idle the new one is closed. Shared by the event loops, so behind a lock.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        /// When the connection last became idle (no request in flight); nil while it is busy.
        var idleSince: ContinuousClock.Instant?
    }

    let limits: ConnectionLimits
    private let log: RepeatedErrorLog
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.log = RepeatedErrorLog(logger: logger, clock: SystemWallClock())
    }

    var count: Int { entries.withLock { $0.count } }

    /// Registers a new (idle) connection; returns the connections to close to stay within the cap.
    func opened(_ channel: any Channel) -> [any Channel] {
        let shed: [any Channel] = entries.withLock { entries in
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: .now)
            guard entries.count > limits.maxConnections else { return [] }
            // The longest-idle other connection, else the new one itself.
            let victim = entries.filter { $0.key != ObjectIdentifier(channel) && $0.value.idleSince != nil }
                .min { $0.value.idleSince! < $1.value.idleSince! }
            let out = victim?.value.channel ?? channel
            entries.removeValue(forKey: ObjectIdentifier(out))
            return [out]
        }
        if !shed.isEmpty {
            log.log(
                .warning,
                "at the connection limit: closing the longest-idle connection (or the new one when none is idle)",
                metadata: ["max_connections": "\(limits.maxConnections)"]
            )
        }
        return shed
    }

    func setIdle(_ channel: any Channel, _ idle: Bool) {
        entries.withLock { entries in
            entries[ObjectIdentifier(channel)]?.idleSince = idle ? .now : nil
        }
    }

    func closed(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// A connection closed because its request did not arrive in time.
    func timedOut() {
        log.log(
            .warning,
            "closed a connection that did not send its request in time (408)",
            metadata: ["request_timeout_seconds": "\(limits.requestTimeout)"]
        )
    }
}
