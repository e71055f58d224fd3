import Foundation
import JOSE

extension ClaimdeckEngine {
    /// RFC 6749 §4.1.3 with RFC 7636 §4.6: redeems a code once, for the client it was issued to, with
    /// the same redirect URI and the PKCE verifier. A code presented again revokes everything issued
    /// from it (RFC 6749 §4.1.2, RFC 9700 §4.14).
    func authorizationCode(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        client: Client,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> TokenResponse {
        try requireGrant(.authorizationCode, client: client)
        let form = request.form
        let code = try form.required("code")
        let presentedRedirect = try form.single("redirect_uri")
        let verifier = try form.single("code_verifier")
        let now = clock.now()
        let record = try await locateGrantToken(
            code,
            kind: .authorizationCode,
            tenantID: tenant.id,
            client: client,
            noun: "authorization code",
            now: now
        )
        if let bound = record.internalValue("redirect_uri")?.stringValue {
            let wasGiven = record.internalValue("redirect_uri_given")?.boolValue ?? true
            if wasGiven, presentedRedirect == nil {
                throw .invalidRequest("redirect_uri is missing: the authorization request named one, so the token request must repeat it")
            }
            if let presentedRedirect, presentedRedirect != bound {
                throw .invalidGrant("redirect_uri does not match the one of the authorization request")
            }
        }
        if let challenge = record.internalValue("code_challenge")?.stringValue {
            guard let verifier else { throw .invalidRequest("code_verifier is missing (PKCE)") }
            guard PKCE.isValidVerifier(verifier) else {
                throw .invalidGrant("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
            }
            guard SecretDigest.constantTimeEquals(Data(PKCE.challenge(for: verifier).utf8), Data(challenge.utf8)) else {
                throw .invalidGrant("code_verifier does not match the code_challenge")
            }
        } else if verifier != nil {
            // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade attempt.
            throw .invalidGrant("the authorization request had no code_challenge, so no code_verifier may be sent")
        }
        try Self.requireBoundKey(record, presented: request.dpopKeyThumbprint, noun: "authorization code", realm: tenant.id)
        guard let authorization = UserAuthorization(record: record) else {
            throw OAuthError(code: "server_error", description: "the stored authorization is incomplete", status: 500)
        }
        let user = try await activeUser(tenantID: tenant.id, id: record.subject)
        var issued = try await UserTokenIssuer(engine: self).issue(
            authorization,
            user: user,
            accessScopes: authorization.scopes,
            tenant: tenant,
            client: client,
            grantType: .authorizationCode,
            nonce: record.internalValue("nonce")?.stringValue,
            confirmation: request.confirmation,
            snapshot: snapshot
        )
        // The event names the code it redeemed: the code's audit trail shows the exchange.
        issued.event.details["code_id"] = record.id
        try await redeemOrDetectReuse(record, reason: Self.redeemedReason, issued: issued, noun: "authorization code", now: now)
        metrics.issued(tenant: tenant.id, grant: .authorizationCode, format: issued.response.record.format)
        return issued.response
    }

    /// RFC 9449 §10 (a code bound by `dpop_jkt`) and §5 (a public client's refresh token): the token
    /// request's proof must be made with the key the record is bound to.
    static func requireBoundKey(_ record: TokenRecord, presented: String?, noun: String, realm: String) throws(OAuthError) {
        guard let bound = record.internalValue(DPoPProof.boundKeyClaim)?.stringValue else { return }
        guard let presented else {
            throw DPoPFailure.invalid("this \(noun) is bound to a DPoP key: send a DPoP proof made with it").tokenEndpointError(realm: realm)
        }
        guard presented == bound else {
            throw DPoPFailure.invalid("the DPoP proof is made with another key than the one this \(noun) is bound to").tokenEndpointError(
                realm: realm
            )
        }
    }

    /// Finds a code or refresh token presented to the token endpoint and checks it belongs to `client`
    /// and is still usable. One already used comes back as reuse: its family is revoked.
    func locateGrantToken(
        _ presented: String,
        kind: TokenKind,
        tenantID: String,
        client: Client,
        noun: String,
        now: Date
    ) async throws(OAuthError) -> TokenRecord {
        let record = try await findGrantToken(presented, kind: kind, tenantID: tenantID, client: client, noun: noun)
        try await requireUnused(record, noun: noun, now: now)
        return record
    }

    /// The code or refresh token presented, of this kind and issued to this client, whatever its state.
    func findGrantToken(
        _ presented: String,
        kind: TokenKind,
        tenantID: String,
        client: Client,
        noun: String
    ) async throws(OAuthError) -> TokenRecord {
        let found: TokenRecord?
        do {
            found = try await TokenLocator.locate(presented, tenantID: tenantID, store: store)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let record = found, record.kind == kind else { throw .invalidGrant("the \(noun) is not valid") }
        guard record.clientID == client.id else { throw .invalidGrant("the \(noun) was issued to another client") }
        return record
    }

    /// Refuses a used, revoked or expired code or refresh token; a used one revokes its family (reuse).
    func requireUnused(_ record: TokenRecord, noun: String, now: Date) async throws(OAuthError) {
        if record.revokedAt != nil {
            if record.revocationReason == Self.redeemedReason || record.revocationReason == Self.rotatedReason {
                await revokeFamilyOnReuse(record, noun: noun)
                throw .invalidGrant("the \(noun) was already used; everything issued from it has been revoked")
            }
            throw .invalidGrant("the \(noun) has been revoked")
        }
        guard record.expiresAt > now else { throw .invalidGrant("the \(noun) has expired") }
    }

    /// Marks the code or refresh token used and stores what was issued from it, in one transaction.
    /// Losing that race to a concurrent request with the same token is reuse too, unless `retry`
    /// finds the winner's answer to give again (the refresh-token retry grace): then that is returned.
    @discardableResult
    func redeemOrDetectReuse(
        _ record: TokenRecord,
        reason: String,
        issued: UserTokenIssuer.Issued,
        noun: String,
        now: Date,
        retry: (() async -> TokenResponse?)? = nil
    ) async throws(OAuthError) -> TokenResponse? {
        let won: Bool
        do {
            won = try await store.redeem(
                tokenID: record.id,
                tenantID: record.tenantID,
                at: now,
                reason: reason,
                issuing: issued.records,
                audit: [issued.event]
            )
        } catch {
            errorLog.error("tokens not persisted; refusing to hand them out", metadata: ["error": "\(error)"])
            throw .temporarilyUnavailable("the tokens could not be stored; retry")
        }
        if !won {
            if let retried = await retry?() { return retried }
            await revokeFamilyOnReuse(record, noun: noun)
            throw .invalidGrant("the \(noun) was already used; everything issued from it has been revoked")
        }
        return nil
    }

    /// The user a grant is for, still present and enabled.
    func activeUser(tenantID: String, id: String) async throws(OAuthError) -> User {
        let user: User?
        do {
            user = try await store.user(tenantID: tenantID, id: id)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let user, !user.disabled else { throw .invalidGrant("the user of this grant is disabled or deleted") }
        return user
    }

    /// RFC 9700 §4.14.2: a used code or rotated refresh token came back, so either the client or an
    /// attacker holds a copy: revoke the whole family and say so in the audit log.
    func revokeFamilyOnReuse(_ record: TokenRecord, noun: String) async {
        guard let family = record.familyID else { return }
        let now = clock.now()
        do {
            let summary = try await store.revoke(
                .family(tenantID: record.tenantID, familyID: family),
                at: now,
                reason: "\(noun) reused",
                audit: AuditEventDraft(
                    time: now,
                    type: .tokenReuseDetected,
                    outcome: .failure,
                    tenantID: record.tenantID,
                    clientID: record.clientID,
                    subject: record.subject,
                    tokenID: record.id,
                    reason: "\(noun) reused",
                    actor: "engine",
                    details: ["family": family, "kind": record.kind.rawValue]
                ),
                signals: revocationSignals(.family(tenantID: record.tenantID, familyID: family), reason: nil, at: now)
            )
            metrics.revoked(tenant: record.tenantID, via: "reuse", count: summary.revoked)
        } catch {
            errorLog.error("revoking a token family after reuse failed", metadata: ["error": "\(error)", "family": "\(family)"])
        }
    }
}
