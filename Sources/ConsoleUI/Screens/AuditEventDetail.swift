import AuthEngine
import Foundation

/// Every field of one audit event, for an event that names no token, client or user to open (and
/// for any event on `d`): what the tail's columns drop at 80 columns (subject, reason, actor) and
/// what they never show (details, the hash and the event's place in the chain), wrapped, not cut.
struct AuditEventDetail {
    var event: AuditEvent
    /// The predecessor's hash, once read (the genesis hash for the first event), and the newest
    /// sequence number: the chain around the event.
    var previousHash: String?
    var latestSequence: Int64?
    var scroll = 0

    /// Reads the predecessor and the chain's end, then hands the detail to `done`.
    static func load(_ event: AuditEvent, _ ctx: ConsoleContext, done: @escaping (AuditEventDetail) -> Void) {
        let sequence = event.sequence
        ctx.run(
            "audit event chain",
            { e throws(AdminError) -> (String?, Int64) in
                let previous =
                    sequence <= 1
                    ? AuditChain.genesis : try await e.auditEvents(after: sequence - 2, limit: 1).first { $0.sequence == sequence - 1 }?.hash
                return (previous, try await e.latestAuditSequence())
            }
        ) { result in
            var detail = AuditEventDetail(event: event)
            if case .success(let (previous, latest)) = result {
                detail.previousHash = previous
                detail.latestSequence = latest
            }
            done(detail)
        }
    }

    var lines: [DetailLine] {
        let e = event.event
        let outcome = Present.outcome(e.outcome)
        var lines: [DetailLine] = [
            .section("Audit event #\(event.sequence)"),
            DetailLine("sequence", "\(event.sequence)"),
            DetailLine("time", Present.time(e.time)),
            DetailLine("type", e.type.rawValue),
            DetailLine("outcome", outcome.text, role: outcome.role ?? .text),
            DetailLine("reason", e.reason ?? "–"),
            DetailLine("subject", e.subject ?? "–"),
            DetailLine("actor", e.actor ?? "–"),
            DetailLine("tenant", e.tenantID ?? "–"),
            DetailLine("client", e.clientID ?? "–"),
            DetailLine("token", e.tokenID ?? "–"),
            .section("Details (\(e.details.count))"),
        ]
        if e.details.isEmpty { lines.append(DetailLine("none", "", indent: 1)) }
        for (k, v) in e.details.sorted(by: { $0.key < $1.key }) { lines.append(DetailLine(k, v, indent: 1)) }
        lines.append(.section("Hash chain"))
        let position = latestSequence.map { "event \(event.sequence) of \($0)" } ?? "event \(event.sequence)"
        lines.append(DetailLine("position", position))
        lines.append(DetailLine("hash", event.hash))
        if let previous = previousHash {
            lines.append(DetailLine("previous hash", previous))
            // The one link checkable from here: this event's hash over its predecessor's.
            let linked = AuditChain.hash(previous: previous, sequence: event.sequence, event: e) == event.hash
            lines.append(
                linked
                    ? DetailLine("link", "✓ the hash covers the previous event's hash and this event", role: .statusActive)
                    : DetailLine("link", "✕ the hash does not match: run 'claimdeck audit verify'", role: .statusRevoked)
            )
        } else {
            lines.append(DetailLine("previous hash", "not found (the previous event is gone: run 'claimdeck audit verify')", role: .flashWarn))
        }
        return lines
    }
}
