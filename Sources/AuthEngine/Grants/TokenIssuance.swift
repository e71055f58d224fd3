import Foundation
import JOSE

extension ClaimdeckEngine {
    /// The end of every grant that issues an access token: mints it, stores its record together with
    /// its `token.issued` audit event (a client never holds a token the store lost), counts it, and
    /// builds the response.
    ///
    /// - Parameters:
    ///   - details: audit details beyond the grant type, format, scope and audience, which are always set.
    ///   - issuedTokenType: RFC 8693 `issued_token_type`, for token exchange.
    ///   - boundTo: what the token is bound to: the request's DPoP key, its client certificate.
    func issueAccessToken(
        _ unbound: AccessTokenMinter.Grant,
        snapshot: ConfigSnapshot,
        details: [String: String] = [:],
        issuedTokenType: String? = nil,
        boundTo confirmation: TokenConfirmation?
    ) async throws(OAuthError) -> TokenResponse {
        var grant = unbound
        grant.confirmation = confirmation
        let (token, record) = try AccessTokenMinter(engine: self).mint(grant, snapshot: snapshot)
        let scope = grant.scopes.joined(separator: " ")
        let event = AuditEventDraft(
            time: record.issuedAt,
            type: .tokenIssued,
            tenantID: grant.tenant.id,
            clientID: grant.client.id,
            subject: record.subject,
            tokenID: record.id,
            actor: "client:\(grant.client.id)",
            details: details.merging([
                "grant_type": grant.grantType.rawValue, "format": record.format.rawValue,
                "scope": scope, "aud": grant.audiences.joined(separator: " "), "bound": confirmation?.auditName ?? "bearer",
            ]) { $1 }
        )
        try await persist([record], audit: [event])
        metrics.issued(tenant: grant.tenant.id, grant: grant.grantType, format: record.format)
        var response = TokenResponse(
            accessToken: token,
            expiresIn: grant.lifetime,
            scope: scope.isEmpty ? nil : scope,
            issuedTokenType: issuedTokenType,
            record: record
        )
        if confirmation?.keyThumbprint != nil { response.tokenType = DPoPProof.tokenType }
        return response
    }
}
