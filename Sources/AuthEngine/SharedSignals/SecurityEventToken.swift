import Foundation
import JOSE

extension ClaimdeckEngine {
    /// The SET (RFC 8417, profiled by SSF 1.0 §4) of one outbox entry for its stream: `iss` the
    /// tenant's issuer, `aud` the stream's, `jti` the entry's, `iat` the event's time, the subject in
    /// the top-level `sub_id` (its issuer resolved now, see `SecurityEventDraft.tenantIssuer`) and exactly one event; `typ` `secevent+jwt`, signed with the tenant's
    /// current key of its default algorithm (published in its JWKS, `kid` in the header).
    func securityEventToken(_ entry: PendingSecurityEvent, stream: EventStream) throws(OAuthError) -> String {
        let snapshot = config.snapshot
        guard let tenant = snapshot.tenants[stream.tenantID] else { throw .notFound("tenant '\(stream.tenantID)' is gone") }
        let key = try keyring.signingKey(tenantID: tenant.id, algorithm: tenant.defaultAlgorithm, snapshot: snapshot)
        let issuer = configuration.issuer(for: tenant.id)
        let claims: JSONValue = [
            "iss": .string(issuer),
            "aud": .string(stream.audience),
            "jti": .string(entry.jti),
            "iat": .number(Double(Int64(entry.event.time.timeIntervalSince1970))),
            "sub_id": SecurityEventDraft.resolvingIssuer(entry.event.subject, issuer),
            "events": .object([entry.event.type: entry.event.payload]),
        ]
        do {
            return try JWS.sign(encodedHeader: key.encodedHeader(typ: "secevent+jwt"), payloadJSON: Array(claims.serialized()), key: key.pair)
        } catch {
            throw OAuthError(code: "server_error", description: "signing the security event failed", status: 500)
        }
    }
}
