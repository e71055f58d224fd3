import AuthEngine
import Foundation

extension MemoryStore: RetentionStore {
    public func prune(_ cutoff: RetentionCutoff, limit: Int, dryRun: Bool) async throws -> PruneCounts {
        locked { state in
            let take = dryRun ? Int.max : limit
            var counts = PruneCounts()
            for t in state.tokens.values.filter(cutoff.selects).sorted(by: { $0.id < $1.id }).prefix(take) {
                counts.count(t.kind)
                if !dryRun { state.tokens[t.id] = nil }
            }
            for s in state.sessions.values.filter(cutoff.selects).prefix(take) {
                counts.sessions += 1
                if !dryRun { state.sessions[s.id] = nil }
            }
            for d in state.devices.values.filter(cutoff.selects).prefix(take) {
                counts.deviceAuthorizations += 1
                if !dryRun { state.devices[d.id] = nil }
            }
            let expired = state.usedAssertions.filter { $0.key.tenantID == cutoff.tenantID && $0.value < cutoff.assertionsExpiredBefore }
            for key in expired.keys.prefix(take) {
                counts.usedAssertions += 1
                if !dryRun { state.usedAssertions[key] = nil }
            }
            return counts
        }
    }
}
