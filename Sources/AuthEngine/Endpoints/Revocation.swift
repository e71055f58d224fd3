import Foundation

extension ClaimdeckEngine {
    /// RFC 7009 revocation by the client the token was issued to. An unknown, expired or already
    /// revoked token is answered with success, as §2.2 requires.
    public func revoke(_ request: TokenEndpointRequest) async throws(OAuthError) {
        let (tenant, snapshot) = try tenant(request.tenantID)
        let client = try await authenticateCaller(
            request,
            tenant: tenant,
            snapshot: snapshot,
            endpoint: "revoke",
            allowPublic: true,
            failedEvent: .tokenRevoked
        )
        let now = clock.now()
        let token = try request.form.required("token")
        if let hint = try request.form.single("token_type_hint"), !["access_token", "refresh_token"].contains(hint) {
            throw .unsupportedTokenType("token_type_hint '\(Validation.printable(hint))' is not a token type this server issues")
        }
        let record: TokenRecord?
        do {
            record = try await TokenLocator.locate(token, tenantID: tenant.id, store: store)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let record else {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .tokenRevoked,
                    tenantID: tenant.id,
                    clientID: client.id,
                    actor: "client:\(client.id)",
                    details: ["result": "unknown token, nothing revoked"]
                )
            ])
            return
        }
        guard record.clientID == client.id else {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .tokenRevoked,
                    outcome: .failure,
                    tenantID: tenant.id,
                    clientID: client.id,
                    tokenID: record.id,
                    reason: "unauthorized_client",
                    actor: "client:\(client.id)"
                )
            ])
            throw .unauthorizedClient("the token was not issued to client '\(client.id)'")
        }
        let selector: RevocationSelector =
            record.familyID.map { .family(tenantID: tenant.id, familyID: $0) }
            ?? .token(tenantID: tenant.id, tokenID: record.id)
        do {
            let summary = try await store.revoke(
                selector,
                at: now,
                reason: "revoked by client (RFC 7009)",
                audit: AuditEventDraft(
                    time: now,
                    type: .tokenRevoked,
                    tenantID: tenant.id,
                    clientID: client.id,
                    subject: record.subject,
                    tokenID: record.id,
                    reason: "client request",
                    actor: "client:\(client.id)"
                ),
                signals: revocationSignals(selector, reason: nil, at: now)
            )
            metrics.revoked(tenant: tenant.id, via: "rfc7009", count: summary.revoked)
        } catch {
            throw .temporarilyUnavailable("the revocation could not be stored; retry")
        }
    }
}
