import Foundation

extension ClaimdeckEngine {
    /// RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token and retires
    /// the old one; the old one presented again revokes the family. `scope` may only narrow, and only
    /// for the new access token: the refresh token keeps the whole authorization (§6).
    func refreshToken(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        client: Client,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> TokenResponse {
        try requireGrant(.refreshToken, client: client)
        let presented = try request.form.required("refresh_token")
        let requestedScope = try request.form.single("scope")
        let now = clock.now()
        let record = try await findGrantToken(presented, kind: .refresh, tenantID: tenant.id, client: client, noun: "refresh token")
        // A retry within the grace, with the key the token is bound to: the rotation's answer again.
        if record.revocationReason == Self.rotatedReason {
            try Self.requireBoundKey(record, presented: request.dpopKeyThumbprint, noun: "refresh token", realm: tenant.id)
            if let retried = await retriedRefresh(of: record, client: client, now: now) { return retried }
        }
        try await requireUnused(record, noun: "refresh token", now: now)
        var scopes = record.scopes
        if let requestedScope {
            let asked = requestedScope.split(separator: " ").map(String.init)
            for s in asked where !record.scopes.contains(s) {
                throw .invalidScope("scope '\(Validation.printable(s))' was not granted in the original authorization; a refresh can only narrow")
            }
            guard !asked.isEmpty else { throw .invalidScope("scope is empty") }
            scopes = record.scopes.filter(asked.contains)
        }
        try Self.requireBoundKey(record, presented: request.dpopKeyThumbprint, noun: "refresh token", realm: tenant.id)
        guard let authorization = UserAuthorization(record: record) else {
            throw OAuthError(code: "server_error", description: "the stored authorization is incomplete", status: 500)
        }
        let user = try await activeUser(tenantID: tenant.id, id: record.subject)
        var issued = try await UserTokenIssuer(engine: self).issue(
            authorization,
            user: user,
            accessScopes: scopes,
            tenant: tenant,
            client: client,
            grantType: .refreshToken,
            nonce: nil,
            confirmation: request.confirmation,
            snapshot: snapshot
        )
        // The event names the refresh token it retired: that token's audit trail shows its rotation.
        issued.event.details["rotated_refresh_token_id"] = record.id
        try armRefreshRetry(&issued, rotating: record, client: client, now: now)
        // Two instances of the client refreshing at once: the one that lost gets the winner's answer.
        let retried = try await redeemOrDetectReuse(record, reason: Self.rotatedReason, issued: issued, noun: "refresh token", now: now) {
            await self.retriedRefresh(of: record, client: client, now: now)
        }
        if let retried { return retried }
        metrics.issued(tenant: tenant.id, grant: .refreshToken, format: issued.response.record.format)
        return issued.response
    }
}
