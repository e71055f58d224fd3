import Foundation
import JOSE

/// Issues the tokens of a grant in which a person is present (authorization code, refresh, device
/// code): an access token, a rotated refresh token when the client may refresh, and an ID token when
/// `openid` was granted. One code path for all of them, so they cannot drift apart.
struct UserTokenIssuer: Sendable {
    let engine: ClaimdeckEngine

    struct Issued: Sendable {
        var response: TokenResponse
        /// Every record to store: access, refresh.
        var records: [TokenRecord]
        var event: AuditEventDraft
        /// What the claims were resolved from (for the preview's provenance).
        var inputs: ClaimInputs
    }

    /// - Parameters:
    ///   - accessScopes: the access token's scopes (a refresh may narrow them); the refresh token keeps
    ///     the whole authorization.
    ///   - nonce: the authorization request's nonce, echoed in the ID token of a code exchange.
    ///   - confirmation: what the access token is bound to (the request's DPoP key, its client
    ///     certificate); a public client's refresh token is bound to the DPoP key too (RFC 9449 §5: it
    ///     has no other proof of who presents it).
    func issue(
        _ authorization: UserAuthorization,
        user: User,
        accessScopes: [String],
        tenant: Tenant,
        client: Client,
        grantType: GrantType,
        nonce: String?,
        confirmation: TokenConfirmation?,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> Issued {
        let internalClaims: [String: JSONValue] = authorization.sessionID.map { ["sid": .string($0)] } ?? [:]
        let inputs = try await engine.claimInputs(
            user: user,
            client: client,
            context: authorization.context,
            scopes: accessScopes,
            snapshot: snapshot
        )
        try ClaimResolver.checkRequired(inputs)
        let (access, accessRecord) = try AccessTokenMinter(engine: engine).mint(
            .init(
                tenant: tenant,
                client: client,
                subject: user.id,
                scopes: accessScopes,
                audiences: authorization.audiences,
                grantType: grantType,
                lifetime: client.accessTokenLifetime,
                familyID: authorization.familyID,
                extraClaims: ClaimResolver.accessTokenClaims(inputs),
                internalClaims: internalClaims,
                introspectionClaims: ClaimResolver.dictionary(ClaimResolver.resolve(.introspection, inputs)),
                confirmation: confirmation
            ),
            snapshot: snapshot
        )
        var records = [accessRecord]
        var response = TokenResponse(
            accessToken: access,
            expiresIn: client.accessTokenLifetime,
            scope: accessScopes.isEmpty ? nil : accessScopes.joined(separator: " "),
            record: accessRecord
        )
        let dpopKey = confirmation?.keyThumbprint
        if dpopKey != nil { response.tokenType = DPoPProof.tokenType }
        var details = [
            "grant_type": grantType.rawValue, "format": accessRecord.format.rawValue,
            "scope": accessScopes.joined(separator: " "), "aud": authorization.audiences.joined(separator: " "),
            "family": authorization.familyID, "bound": confirmation?.auditName ?? "bearer",
        ].merging(inputs.auditDetails) { $1 }
        let now = accessRecord.issuedAt
        if client.grantTypes.contains(.refreshToken), now < authorization.familyExpiresAt {
            var refreshInternals: [String: JSONValue] = [TokenRecord.designVersionKey: .number(Double(tenant.designVersion))]
            if client.type == .public, let dpopKey { refreshInternals[DPoPProof.boundKeyClaim] = .string(dpopKey) }
            let expiresAt = min(now.addingTimeInterval(TimeInterval(client.refreshTokenLifetime)), authorization.familyExpiresAt)
            let id = engine.ids.timeOrdered(at: engine.clock.now())
            let token = TokenLocator.opaque(prefix: TokenLocator.refreshPrefix, id: id, secret: engine.ids.secret(bytes: 32))
            records.append(
                TokenRecord(
                    id: id,
                    tenantID: tenant.id,
                    kind: .refresh,
                    format: .opaque,
                    clientID: client.id,
                    subject: user.id,
                    scopes: authorization.scopes,
                    audiences: authorization.audiences,
                    issuedAt: now,
                    expiresAt: expiresAt,
                    digest: SecretDigest.sha256(token),
                    keyID: nil,
                    grantType: grantType,
                    familyID: authorization.familyID,
                    claims: [
                        TokenRecord.internalKey: .object(
                            authorization.internalClaims.merging(refreshInternals) { $1 }
                        )
                    ]
                )
            )
            response.refreshToken = token
            details["refresh_token_id"] = id
        }
        if accessScopes.contains(StandardScopes.openid) {
            response.idToken = try IDTokenMinter(engine: engine).mint(
                inputs,
                tenant: tenant,
                authorization: authorization,
                nonce: nonce,
                accessToken: access,
                snapshot: snapshot
            )
            details["id_token"] = "issued"
        }
        let event = AuditEventDraft(
            time: now,
            type: grantType == .refreshToken ? .tokenRefreshed : .tokenIssued,
            tenantID: tenant.id,
            clientID: client.id,
            subject: user.id,
            tokenID: accessRecord.id,
            actor: "client:\(client.id)",
            details: details
        )
        return Issued(response: response, records: records, event: event, inputs: inputs)
    }
}
