import Foundation

/// Failed attempts counted per key in the store, so that every node throttles alike: an attacker
/// spreading guesses over three nodes is slowed as on one. Each node keeps a mirror in memory
/// (`LoginThrottle`, read on every attempt) that this store's answers and change feed keep current.
public protocol ThrottleStore: Sendable {
    /// Counts one more failure for each key, restarting a key's count when its last failure is older
    /// than `forgetAfter` (`ThrottleCount.next`); returns every key's count after this one. Keys
    /// unchanged for longer than `forgetAfter` are deleted on the way.
    func recordThrottleFailures(keys: [String], at now: Date, forgetAfter: TimeInterval) async throws -> [ThrottleCount]
    /// Forgets these keys' failures (a successful sign-in): each is kept with 0 failures, changed at
    /// `now`, so that the other nodes' mirrors learn of it.
    func clearThrottleFailures(keys: [String], at now: Date) async throws
    /// The counts changed at or after `since`.
    func throttleCounts(changedSince since: Date) async throws -> [ThrottleCount]
}

/// One key's failures as the store counts them.
public struct ThrottleCount: Sendable, Hashable {
    public var key: String
    public var failures: Int
    /// When the key last failed, or was cleared.
    public var changedAt: Date

    public init(key: String, failures: Int, changedAt: Date) {
        self.key = key
        self.failures = failures
        self.changedAt = changedAt
    }

    /// The count after one more failure of `key` at `now`, given its stored count (every store counts alike).
    public static func next(after stored: ThrottleCount?, key: String, at now: Date, forgetAfter: TimeInterval) -> ThrottleCount {
        let carried = stored.map { now.timeIntervalSince($0.changedAt) < forgetAfter ? $0.failures : 0 } ?? 0
        return ThrottleCount(key: key, failures: carried + 1, changedAt: now)
    }
}
