import AuthEngine
import Foundation

extension MemoryStore: ThrottleStore {
    public func recordThrottleFailures(keys: [String], at now: Date, forgetAfter: TimeInterval) async throws -> [ThrottleCount] {
        locked { state in
            state.throttle = state.throttle.filter { now.timeIntervalSince($0.value.changedAt) < forgetAfter }
            return keys.map { key in
                let next = ThrottleCount.next(after: state.throttle[key], key: key, at: now, forgetAfter: forgetAfter)
                state.throttle[key] = next
                return next
            }
        }
    }

    public func clearThrottleFailures(keys: [String], at now: Date) async throws {
        locked { state in
            for key in keys { state.throttle[key] = ThrottleCount(key: key, failures: 0, changedAt: now) }
        }
    }

    public func throttleCounts(changedSince since: Date) async throws -> [ThrottleCount] {
        locked { state in state.throttle.values.filter { $0.changedAt >= since }.sorted { $0.key < $1.key } }
    }
}
