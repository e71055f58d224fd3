import Foundation
import JOSE

/// The answer of the introspection endpoint (RFC 7662).
public struct IntrospectionResult: Sendable {
    public var active: Bool
    /// The token's record, when it is active.
    public var record: TokenRecord?
    /// The authenticated caller.
    public var caller: Client
    public var issuer: String

    /// The RFC 7662 §2.2 JSON object: only `{"active":false}` for a token that is not active.
    public func json() -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        w.beginObject()
        w.field("active", active)
        if active, let r = record {
            if !r.scopes.isEmpty { w.field("scope", r.scopes.joined(separator: " ")) }
            w.field("client_id", r.clientID)
            // RFC 9449 §6.2: a DPoP-bound token says so; its `cnf` comes with the public claims below.
            w.field("token_type", DPoPProof.boundThumbprint(r.publicClaims) == nil ? "Bearer" : DPoPProof.tokenType)
            w.field("exp", Int64(r.expiresAt.timeIntervalSince1970))
            w.field("iat", Int64(r.issuedAt.timeIntervalSince1970))
            w.field("nbf", Int64(r.issuedAt.timeIntervalSince1970))
            w.field("sub", r.subject)
            if r.audiences.count == 1 { w.field("aud", r.audiences[0]) } else { w.field("aud", strings: r.audiences) }
            w.field("iss", issuer)
            w.field("jti", r.id)
            for (k, v) in r.publicClaims.sorted(by: { $0.key < $1.key }) {
                w.key(k)
                w.value(v)
            }
        }
        w.endObject()
        return w.bytes
    }
}

extension ClaimdeckEngine {
    /// RFC 7662 introspection: the caller must be an authenticated confidential client of the tenant.
    /// Reads the store on every call, so a revocation made by any process shows at once.
    public func introspect(_ request: TokenEndpointRequest) async throws(OAuthError) -> IntrospectionResult {
        let (tenant, snapshot) = try tenant(request.tenantID)
        let caller = try await authenticateCaller(
            request,
            tenant: tenant,
            snapshot: snapshot,
            endpoint: "introspect",
            allowPublic: false,
            failedEvent: .tokenIntrospected
        )
        let token = try request.form.required("token")
        _ = try request.form.single("token_type_hint")
        let now = clock.now()
        let record: TokenRecord?
        do {
            record = try await TokenLocator.locate(token, tenantID: tenant.id, store: store)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        let active = record.map { Self.isActive($0, at: now, snapshot: snapshot) } ?? false
        metrics.introspected(tenant: tenant.id, active: active)
        let event = AuditEventDraft(
            time: now,
            type: .tokenIntrospected,
            tenantID: tenant.id,
            clientID: caller.id,
            subject: active ? record?.subject : nil,
            tokenID: record?.id,
            actor: "client:\(caller.id)",
            details: ["active": active ? "true" : "false"]
        )
        // Not waited for: introspection must not pay a commit (DeferredAudit); folded per window when
        // the tenant asks for fewer rows.
        let window = tenant.policy.introspectionAuditWindow
        if window > 0 {
            let key = "\(tenant.id)|\(caller.id)|\(record?.id ?? "-")|\(active)"
            for due in introspections.add(event, key: key, now: now, length: TimeInterval(window)) { await auditLater(due) }
        } else {
            await auditLater(event)
        }
        return IntrospectionResult(
            active: active,
            record: active ? record : nil,
            caller: caller,
            issuer: configuration.issuer(for: tenant.id)
        )
    }

    /// RFC 9701: the introspection answer as a JWT signed by the tenant, for a gateway that trades an
    /// opaque token for a JWT (the phantom-token pattern).
    public func signedIntrospection(_ result: IntrospectionResult) throws(OAuthError) -> String {
        let snapshot = config.snapshot
        guard let tenant = snapshot.tenants[result.caller.tenantID] else { throw .notFound("tenant is gone") }
        let key = try keyring.signingKey(
            tenantID: tenant.id,
            algorithm: result.caller.signingAlgorithm ?? tenant.defaultAlgorithm,
            snapshot: snapshot
        )
        let now = Int64(clock.now().timeIntervalSince1970)
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.field("iss", result.issuer)
        w.field("aud", result.caller.id)
        w.field("iat", now)
        w.key("token_introspection")
        w.raw(result.json())
        w.endObject()
        do {
            return try JWS.sign(encodedHeader: key.encodedHeader(typ: "token-introspection+jwt"), payloadJSON: w.bytes, key: key.pair)
        } catch {
            throw OAuthError(code: "server_error", description: "signing failed", status: 500)
        }
    }
}

extension ClaimdeckEngine {
    /// RFC 7662's `active`: an access or refresh token, unexpired, unrevoked, of a client still enabled.
    /// Introspection answers by it; the console's token inspector shows it.
    static func isActive(_ record: TokenRecord, at now: Date, snapshot: ConfigSnapshot) -> Bool {
        record.kind != .authorizationCode && record.status(at: now) == .active
            && snapshot.client(record.tenantID, record.clientID).map { !$0.disabled } == true
    }
}
