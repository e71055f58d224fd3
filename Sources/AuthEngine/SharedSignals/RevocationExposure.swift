import Foundation

/// How long a revocation leaves one API (audience) exposed: none when it is subscribed to the
/// tenant's security events (the event refuses the JWTs as it arrives), else until the revoked
/// JWTs expire, as for any API that validates JWTs locally.
public struct AudienceExposure: Sendable, Hashable {
    public var audience: String
    /// The registered API's name, when the audience is one.
    public var api: String?
    /// The enabled stream that takes this revocation's event, if any.
    public var streamID: String?
    /// When that stream's receiver last acknowledged an event.
    public var lastAcknowledgedAt: Date?
    /// Until when revoked JWTs stay usable there: nil for a subscribed API (0 s).
    public var usableUntil: Date?

    public var subscribed: Bool { streamID != nil }

    public init(audience: String, api: String?, streamID: String?, lastAcknowledgedAt: Date?, usableUntil: Date?) {
        self.audience = audience
        self.api = api
        self.streamID = streamID
        self.lastAcknowledgedAt = lastAcknowledgedAt
        self.usableUntil = usableUntil
    }
}

extension AudienceExposure {
    /// What a dry run says of the residual exposure, a part a group, as the CLI and the console show
    /// it: "0 s for subscribed APIs (invoices, last acknowledged …)", then "until 14:05 for status (not
    /// subscribed)" for each API that is not. Empty when no JWT dies. `time` formats a date as the
    /// caller shows times.
    public static func summary(_ exposure: [AudienceExposure], time: (Date) -> String) -> [String] {
        func name(_ e: AudienceExposure) -> String { e.api ?? e.audience }
        var parts: [String] = []
        let subscribed = exposure.filter(\.subscribed)
        if !subscribed.isEmpty {
            let names = subscribed.map { e in
                name(e) + (e.lastAcknowledgedAt.map { ", last acknowledged \(time($0))" } ?? ", nothing acknowledged yet")
            }
            parts.append("0 s for subscribed APIs (\(names.joined(separator: "; ")))")
        }
        for e in exposure where !e.subscribed {
            parts.append("until \(e.usableUntil.map(time) ?? "their expiry") for \(name(e)) (not subscribed)")
        }
        return parts
    }
}

extension ClaimdeckEngine {
    /// Per audience the revoked JWTs may be for (the audiences their clients may ask for), whether it
    /// is subscribed and so how long it stays exposed: what a dry run adds to "how many tokens die".
    /// Opaque tokens are inactive at introspection at once, so a revocation of no JWT exposes nothing.
    public func revocationExposure(_ selector: RevocationSelector, summary: RevocationSummary) async throws(AdminError) -> [AudienceExposure] {
        guard summary.jwtCount > 0 else { return [] }
        let snapshot = config.snapshot
        let tenantID = selector.tenantID
        let audiences = Set(summary.clients.flatMap { snapshot.client(tenantID, $0)?.spec.audiences ?? [] }).sorted()
        let streams = try await storeCall { try await store.eventStreams(tenantID: tenantID) }
        let probe = revocationSignals(selector, reason: nil, at: clock.now())
        let event = probe.events.first ?? probe.drafts(revokedAccessTokenIDs: ["probe"]).first
        let apis = snapshot.apis[tenantID] ?? [:]
        return audiences.map { audience in
            let stream = streams.first { s in s.audience == audience && s.status == .enabled && event.map { s.takes($0) } ?? false }
            return AudienceExposure(
                audience: audience,
                api: apis.values.first { $0.audience == audience }?.name,
                streamID: stream?.id,
                lastAcknowledgedAt: stream?.lastAcknowledgedAt,
                usableUntil: stream == nil ? summary.jwtUsableUntil : nil
            )
        }
    }
}
