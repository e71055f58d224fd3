import Foundation
import Synchronization

/// Slows down password (and client secret) guessing: after a few failures for one account, or from one address, every
/// further attempt must wait an increasing delay (doubling, capped). Pure state over an injected clock,
/// so tests are exact. This is the in-memory mirror each attempt reads; the engine counts every
/// failure in the store too (`ThrottleStore`) and applies what other nodes counted, so several nodes
/// throttle as one (see `ClaimdeckEngine+SharedThrottle.swift`).
public final class LoginThrottle: Sendable {
    public struct Policy: Sendable, Hashable {
        /// Failures allowed before delays start.
        public var freeFailuresPerAccount: Int = 3
        public var freeFailuresPerAddress: Int = 10
        /// The first delay, doubled with every further failure, up to `maxDelay`.
        public var baseDelay: TimeInterval = 1
        public var maxDelay: TimeInterval = 300
        /// A key with no failure for this long is forgotten.
        public var forgetAfter: TimeInterval = 900

        public init() {}

        /// For client authentication: a machine retries a few times with a stale secret; an attacker
        /// tries thousands. Five failures per client, twenty per address, then 1 s doubling to 5 min.
        public static var clientAuthentication: Policy {
            var p = Policy()
            p.freeFailuresPerAccount = 5
            p.freeFailuresPerAddress = 20
            return p
        }
    }

    struct Entry {
        var failures: Int
        var lastFailure: Date
    }

    let policy: Policy
    /// What this throttle's keys are prefixed with in the store, so that one table serves both the
    /// sign-in and the client authentication throttles.
    let scope: String
    private let entries = Mutex<[String: Entry]>([:])

    public init(policy: Policy = Policy(), scope: String = "login") {
        self.policy = policy
        self.scope = scope
    }

    static func accountKey(tenantID: String, username: String) -> String { "u:\(tenantID):\(username.lowercased())" }
    static func addressKey(tenantID: String, address: String) -> String { "a:\(tenantID):\(address)" }

    /// Seconds until an attempt for these keys is allowed again; 0 when it is allowed now.
    public func wait(account: String?, address: String?, now: Date) -> Int {
        entries.withLock { entries in
            var wait: TimeInterval = 0
            if let account, let e = entries[account] { wait = max(wait, remaining(e, free: policy.freeFailuresPerAccount, now: now)) }
            if let address, let e = entries[address] { wait = max(wait, remaining(e, free: policy.freeFailuresPerAddress, now: now)) }
            return Int(wait.rounded(.up))
        }
    }

    public func recordFailure(account: String?, address: String?, now: Date) {
        entries.withLock { entries in
            for key in [account, address].compactMap({ $0 }) {
                var e =
                    entries[key].flatMap { now.timeIntervalSince($0.lastFailure) < policy.forgetAfter ? $0 : nil }
                    ?? Entry(failures: 0, lastFailure: now)
                e.failures += 1
                e.lastFailure = now
                entries[key] = e
            }
            if entries.count > 100_000 {
                entries = entries.filter { now.timeIntervalSince($0.value.lastFailure) < policy.forgetAfter }
            }
        }
    }

    /// A successful login clears the account's failures (the address keeps its count); true when
    /// there were any (only then need the store hear of it).
    @discardableResult
    public func recordSuccess(account: String) -> Bool {
        entries.withLock { $0.removeValue(forKey: account) } != nil
    }

    /// Takes the store's counts of this throttle's keys (its own `scope`, prefix stripped) as they
    /// are: a count of 0 forgets the key.
    func apply(_ counts: [ThrottleCount]) {
        let prefix = scope + "|"
        entries.withLock { entries in
            for count in counts where count.key.hasPrefix(prefix) {
                let key = String(count.key.dropFirst(prefix.count))
                if count.failures > 0 {
                    entries[key] = Entry(failures: count.failures, lastFailure: count.changedAt)
                } else {
                    entries.removeValue(forKey: key)
                }
            }
        }
    }

    /// A key as the store names it.
    func storedKey(_ key: String) -> String { scope + "|" + key }

    private func remaining(_ e: Entry, free: Int, now: Date) -> TimeInterval {
        guard e.failures >= free, now.timeIntervalSince(e.lastFailure) < policy.forgetAfter else { return 0 }
        let delay = min(policy.baseDelay * pow(2, Double(e.failures - free)), policy.maxDelay)
        return max(0, e.lastFailure.addingTimeInterval(delay).timeIntervalSince(now))
    }
}
