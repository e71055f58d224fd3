import AuthEngine
import Foundation

extension MemoryStore: AuditStore {
    public func append(_ events: [AuditEventDraft]) async throws {
        locked { $0.append(events) }
    }

    /// Oldest first; `limit` is clamped to 1...100,000 as SQLiteStore clamps it.
    public func events(after sequence: Int64, limit: Int, filter: AuditFilter) async throws -> [AuditEvent] {
        locked { state in
            let start = Int(max(0, min(sequence, Int64(state.audit.count))))
            let limit = max(1, min(limit, 100_000))
            var out: [AuditEvent] = []
            for e in state.audit[start...] where Self.matches(e.event, filter) {
                out.append(e)
                if out.count == limit { break }
            }
            return out
        }
    }

    public func latestSequence() async throws -> Int64 {
        locked { Int64($0.audit.count) }
    }

    /// Recomputes every hash from the genesis, as SQLiteStore does over its rows. Nothing here can edit
    /// an event, so the chain is intact unless the store itself is wrong: that is what it checks.
    public func verifyChain() async throws -> AuditChainReport {
        locked { state in
            var previous = AuditChain.genesis
            for (i, e) in state.audit.enumerated() {
                let expected = Int64(i + 1)
                if e.sequence != expected || AuditChain.hash(previous: previous, sequence: e.sequence, event: e.event) != e.hash {
                    return AuditChainReport(eventsChecked: expected, firstBrokenSequence: e.sequence)
                }
                previous = e.hash
            }
            return AuditChainReport(eventsChecked: Int64(state.audit.count), firstBrokenSequence: nil)
        }
    }

    private static func matches(_ e: AuditEventDraft, _ f: AuditFilter) -> Bool {
        (f.tenantID == nil || e.tenantID == f.tenantID) && (f.clientID == nil || e.clientID == f.clientID)
            && (f.subject == nil || e.subject == f.subject) && (f.tokenID == nil || e.tokenID == f.tokenID)
            && (f.type == nil || e.type == f.type) && (f.outcome == nil || e.outcome == f.outcome)
    }
}

extension MemoryStoreState {
    /// Continues the hash chain (`AuditWriter.append`): the hash covers the draft, whose time the
    /// canonical bytes already round to milliseconds, and the event keeps that rounded time.
    mutating func append(_ drafts: [AuditEventDraft]) {
        var previous = audit.last?.hash ?? AuditChain.genesis
        for draft in drafts {
            let sequence = Int64(audit.count + 1)
            let hash = AuditChain.hash(previous: previous, sequence: sequence, event: draft)
            var stored = draft
            stored.time = StoredValues.roundedToMilliseconds(draft.time)
            audit.append(AuditEvent(sequence: sequence, event: stored, hash: hash))
            previous = hash
        }
    }
}
