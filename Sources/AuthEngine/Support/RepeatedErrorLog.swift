import Foundation
import Logging
import Synchronization

/// Logs a message that repeats (an error, a warning) once per interval, with how many times it happened meanwhile. While
/// the disk is full every request fails the same way; a line each would fill the next disk.
///
/// The first occurrence of a message is logged at once; later ones within `interval` are counted, and
/// the next one after it is logged with `repeated` (the count since the last line). A message is the
/// key: keep variable values in the metadata.
public final class RepeatedErrorLog: Sendable {
    private struct Entry {
        var loggedAt: Date
        var suppressed: Int
    }

    private let logger: Logger
    private let clock: any WallClock
    private let interval: TimeInterval
    private let entries = Mutex<[String: Entry]>([:])

    /// - Parameter interval: the least time between two lines of the same message, in seconds.
    public init(logger: Logger, clock: any WallClock, interval: TimeInterval = 10) {
        self.logger = logger
        self.clock = clock
        self.interval = interval
    }

    /// Logs `message` at error level unless it was logged less than `interval` ago.
    public func error(_ message: String, metadata: Logger.Metadata = [:]) {
        log(.error, message, metadata: metadata)
    }

    /// Logs `message` at `level` unless it was logged less than `interval` ago.
    public func log(_ level: Logger.Level, _ message: String, metadata: Logger.Metadata = [:]) {
        let now = clock.now()
        let repeated = entries.withLock { entries -> Int? in
            if var entry = entries[message], now.timeIntervalSince(entry.loggedAt) < interval {
                entry.suppressed += 1
                entries[message] = entry
                return nil
            }
            let suppressed = entries[message]?.suppressed ?? 0
            entries[message] = Entry(loggedAt: now, suppressed: 0)
            return suppressed
        }
        guard let repeated else { return }
        var metadata = metadata
        if repeated > 0 { metadata["repeated"] = "\(repeated)" }
        logger.log(level: level, "\(message)", metadata: metadata)
    }
}
