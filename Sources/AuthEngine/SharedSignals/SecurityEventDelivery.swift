import Foundation
import JOSE
import Logging

/// What one delivery pass did.
public struct SecurityEventDeliveryReport: Sendable, Hashable {
    /// Events claimed from the outbox.
    public var claimed = 0
    /// Acknowledged with 202 (RFC 8935 §2.2).
    public var delivered = 0
    /// Refused for good with 400 (§2.3), or expired before a push succeeded.
    public var failed = 0
    /// Put back with a later attempt (another status, a timeout, no connection).
    public var retried = 0

    public init() {}
}

extension ClaimdeckEngine {
    /// One pass of push delivery (RFC 8935): claims due events (leased, so another node skips them),
    /// signs each for its stream and POSTs it. 202 removes it from the outbox and stamps the stream's
    /// last acknowledgement; 400 (with the RFC 8935 §2.4 error body) drops it and audits why; any other
    /// answer, a timeout or a transport failure retries it after 1, 2, 4, ... seconds (at most
    /// `maximumRetryDelay`) until it expires. A stream's events go out one after the other, oldest first.
    public func deliverSecurityEvents(using pusher: any SecurityEventPusher) async -> SecurityEventDeliveryReport {
        let policy = configuration.securityEvents
        var report = SecurityEventDeliveryReport()
        let now = clock.now()
        let claimed: [PendingSecurityEvent]
        do {
            claimed = try await store.claimSecurityEvents(at: now, leaseUntil: now.addingTimeInterval(policy.lease), limit: policy.batchSize)
        } catch {
            errorLog.error("security event delivery: the outbox could not be read", metadata: ["error": "\(error)"])
            return report
        }
        report.claimed = claimed.count
        let byStream = Dictionary(grouping: claimed, by: \.streamID)
        let reports = await withTaskGroup(of: SecurityEventDeliveryReport.self) { group in
            for (_, entries) in byStream {
                group.addTask { await self.push(entries, using: pusher) }
            }
            return await group.reduce(into: [SecurityEventDeliveryReport]()) { $0.append($1) }
        }
        for r in reports {
            report.delivered += r.delivered
            report.failed += r.failed
            report.retried += r.retried
        }
        return report
    }

    /// Runs `deliverSecurityEvents` until cancelled: again at once while passes come back full, else
    /// after `scanInterval` on the engine's timer (events another process wrote are seen that fast).
    public func runSecurityEventDelivery(using pusher: any SecurityEventPusher) async {
        let policy = configuration.securityEvents
        while !Task.isCancelled {
            let report = await deliverSecurityEvents(using: pusher)
            if report.claimed >= policy.batchSize { continue }
            do { try await timer.sleep(for: policy.scanInterval) } catch { return }
        }
    }

    private func push(_ entries: [PendingSecurityEvent], using pusher: any SecurityEventPusher) async -> SecurityEventDeliveryReport {
        var report = SecurityEventDeliveryReport()
        guard let first = entries.first else { return report }
        let policy = configuration.securityEvents
        let stream: EventStream?
        do {
            stream = try await store.eventStream(tenantID: first.event.tenantID, id: first.streamID)
        } catch {
            errorLog.error("security event delivery: stream \(first.streamID) could not be read", metadata: ["error": "\(error)"])
            return report
        }
        guard let stream, let url = stream.endpointURL else { return report }
        for (index, entry) in entries.sorted(by: { ($0.event.time, $0.jti) < ($1.event.time, $1.jti) }).enumerated() {
            let outcome: Outcome
            do {
                let set = try securityEventToken(entry, stream: stream)
                let answer = try await pusher.push(set, to: url, authorization: stream.authorizationHeader, timeout: policy.pushTimeout)
                outcome = Self.outcome(of: answer)
            } catch let error as OAuthError {
                outcome = .retry("the SET could not be signed: \(error.errorDescription)")
            } catch {
                outcome = .retry("the push failed: \(error)")
            }
            let now = clock.now()
            do {
                switch outcome {
                case .delivered:
                    try await store.finishSecurityEvents(streamID: stream.id, jtis: [entry.jti], acknowledged: true, at: now)
                    report.delivered += 1
                case .refused(let code, let description):
                    try await dropSecurityEvent(entry, stream: stream, why: "refused by the receiver: \(code)", description: description, at: now)
                    report.failed += 1
                case .retry(let why):
                    let next = now.addingTimeInterval(policy.retryDelay(afterAttempts: entry.attempts + 1))
                    if next >= entry.expiresAt {
                        try await dropSecurityEvent(entry, stream: stream, why: "expired undelivered", description: why, at: now)
                        report.failed += 1
                    } else {
                        logger.info(
                            "security event push will be retried",
                            metadata: ["stream": "\(stream.id)", "jti": "\(entry.jti)", "attempt": "\(entry.attempts + 1)", "why": "\(why)"]
                        )
                        try await store.retrySecurityEvent(streamID: stream.id, jti: entry.jti, at: next)
                        report.retried += 1
                        // Keep the stream's order: its later events wait for this one. Release their leases now.
                        for later in entries.dropFirst(index + 1) {
                            try await store.retrySecurityEvent(streamID: stream.id, jti: later.jti, at: next)
                        }
                        return report
                    }
                }
            } catch {
                errorLog.error(
                    "security event delivery: the outcome of a push to stream \(stream.id) was not stored",
                    metadata: ["error": "\(error)"]
                )
                return report
            }
        }
        return report
    }

    private func dropSecurityEvent(_ entry: PendingSecurityEvent, stream: EventStream, why: String, description: String, at now: Date) async throws {
        logger.warning("security event dropped", metadata: ["stream": "\(stream.id)", "jti": "\(entry.jti)", "why": "\(why)"])
        try await failSecurityEvents(
            [
                SecurityEventFailure(
                    jti: entry.jti,
                    reason: why,
                    details: ["event": entry.event.type, "description": Validation.printable(String(description.prefix(200)))]
                )
            ],
            of: stream,
            at: now
        )
    }

    /// An event a receiver will not get: why, and what the audit event says beside the stream and `jti`.
    struct SecurityEventFailure {
        var jti: String
        var reason: String
        var details: [String: String] = [:]
    }

    /// Ends `failures` of `stream` unacknowledged (they are not delivered again) and audits each
    /// (`stream.event_failed`): a push the receiver refused, or errors a polling receiver reported.
    func failSecurityEvents(_ failures: [SecurityEventFailure], of stream: EventStream, at now: Date) async throws {
        guard !failures.isEmpty else { return }
        try await store.finishSecurityEvents(streamID: stream.id, jtis: failures.map(\.jti), acknowledged: false, at: now)
        try await store.append(
            failures.map { failure in
                AuditEventDraft(
                    time: now,
                    type: .securityEventFailed,
                    outcome: .failure,
                    tenantID: stream.tenantID,
                    clientID: stream.clientID,
                    reason: failure.reason,
                    details: failure.details.merging(["stream": stream.id, "jti": Validation.printable(failure.jti)]) { _, fixed in fixed }
                )
            }
        )
    }

    enum Outcome {
        case delivered
        case refused(code: String, description: String)
        case retry(String)
    }

    /// RFC 8935 §2.2-2.4: 202 acknowledged; 400 refused with `{"err", "description"}`; anything else retried.
    static func outcome(of answer: SecurityEventPushAnswer) -> Outcome {
        switch answer.status {
        case 202: return .delivered
        case 400:
            let body = try? JSONValue(parsing: answer.body)
            return .refused(code: body?["err"]?.stringValue ?? "invalid_request", description: body?["description"]?.stringValue ?? "")
        default: return .retry("HTTP \(answer.status)")
        }
    }
}
