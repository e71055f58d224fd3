import Foundation

/// The throttles across nodes: every failure is counted here at once and in the store, and each
/// node applies what the others counted, pushed by the store's change feed. An attempt still reads
/// only memory, so throttling costs a successful sign-in or client authentication nothing.
extension ClaimdeckEngine {
    /// How far back each re-read reaches before the previous one: a failure another node counted
    /// may commit a little after it was stamped, and nodes' clocks differ a little.
    static let throttleReadOverlap: TimeInterval = 10

    /// Whether the store announces what other processes change (PostgreSQL): then several nodes may
    /// share it, and `watchSharedThrottles` has something to follow.
    public var followsOtherNodes: Bool { changes != nil }

    /// Counts a failure for the keys, here and in the store; the store's answer (what every node
    /// counted) becomes this node's count. Should the store not answer, the local count still holds.
    func recordFailure(_ throttle: LoginThrottle, account: String?, address: String?, now: Date) async {
        throttle.recordFailure(account: account, address: address, now: now)
        let keys = [account, address].compactMap { $0 }.map(throttle.storedKey)
        do {
            throttle.apply(try await store.recordThrottleFailures(keys: keys, at: now, forgetAfter: throttle.policy.forgetAfter))
        } catch {
            errorLog.error("counting a failed attempt in the store failed; this node throttles on its own count", metadata: ["error": "\(error)"])
        }
    }

    /// Clears an account's failures after a success, in the store only when there were any.
    func recordSuccess(_ throttle: LoginThrottle, account: String, now: Date) async {
        guard throttle.recordSuccess(account: account) else { return }
        do {
            try await store.clearThrottleFailures(keys: [throttle.storedKey(account)], at: now)
        } catch {
            errorLog.error("clearing an account's failed attempts in the store failed", metadata: ["error": "\(error)"])
        }
    }

    /// Keeps the throttles current with the failures other nodes count, for as long as the task runs:
    /// loads the recent ones, then re-reads what changed whenever the store announces a change (and
    /// every `ConfigCache.fallbackInterval` should a notification be lost). Returns at once unless
    /// `followsOtherNodes`: on a store without a change feed one process's counts are all there are.
    public func watchSharedThrottles() async {
        guard let signal = changes?.throttle else { return }
        let throttles = [throttle, clientThrottle]
        var since = clock.now().addingTimeInterval(-(throttles.map(\.policy.forgetAfter).max() ?? 0))
        while !Task.isCancelled {
            let seen = signal.generation
            let readAt = clock.now()
            do {
                let counts = try await store.throttleCounts(changedSince: since)
                for throttle in throttles { throttle.apply(counts) }
                since = readAt.addingTimeInterval(-Self.throttleReadOverlap)
            } catch {
                errorLog.log(.warning, "reading the failed attempts other nodes counted failed; retrying", metadata: ["error": "\(error)"])
            }
            await signal.wait(after: seen, atMost: ConfigCache.fallbackInterval, clock: timer)
        }
    }
}
