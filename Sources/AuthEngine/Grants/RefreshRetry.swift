import Foundation
import JOSE

/// The refresh-token retry grace (issue 15 item 6; FAPI 2.0's refresh-token rotation with a retry):
/// within `ClientSpec.refreshTokenRetryGrace` seconds of a rotation (under the `fapi2` profile at
/// least `FAPI2.defaultRefreshTokenRetryGrace`), the rotated refresh token
/// presented again by the same client (and, for a bound token, with the same DPoP key) answers the
/// very tokens that rotation issued, instead of revoking the family. A client whose answer was lost,
/// or two instances of one client refreshing at once, keep their session; outside the window, or once
/// the new refresh token has itself been used or revoked, reuse still revokes the family.
///
/// The rotation's answer is kept sealed under the master key in the new refresh token's internal
/// claims (`retry`), with the window's end: the store never holds those tokens in clear, and whoever
/// holds the master key could mint tokens anyway.
extension ClaimdeckEngine {
    /// Internal claims of a refresh token issued by a rotation under a retry grace.
    static let rotatedFromKey = "rotated_from"
    static let retryKey = "retry"
    static let retryUntilKey = "retry_until"

    /// Keeps the rotation's answer, sealed, on its new refresh token, when the client has a grace.
    func armRefreshRetry(_ issued: inout UserTokenIssuer.Issued, rotating old: TokenRecord, client: Client, now: Date) throws(OAuthError) {
        let grace = config.snapshot.refreshTokenRetryGrace(of: client)
        guard grace > 0, let index = issued.records.firstIndex(where: { $0.kind == .refresh }) else { return }
        let r = issued.response
        var answer: [String: JSONValue] = [
            "access_token": .string(r.accessToken), "token_type": .string(r.tokenType), "expires_in": .number(Double(r.expiresIn)),
            "access_token_id": .string(r.record.id),
        ]
        if let scope = r.scope { answer["scope"] = .string(scope) }
        if let refresh = r.refreshToken { answer["refresh_token"] = .string(refresh) }
        if let id = r.idToken { answer["id_token"] = .string(id) }
        let sealed: Data
        do {
            sealed = try keyring.seal(JSONValue.object(answer).serialized(), context: Self.retryContext(old))
        } catch {
            throw OAuthError(code: "server_error", description: "the rotation could not be kept for a retry", status: 500)
        }
        var record = issued.records[index]
        guard case .object(var internals)? = record.claims[TokenRecord.internalKey] else { return }
        internals[Self.rotatedFromKey] = .string(old.id)
        internals[Self.retryKey] = .string(Base64URL.encode(sealed))
        internals[Self.retryUntilKey] = .number(now.timeIntervalSince1970 + Double(grace))
        record.claims[TokenRecord.internalKey] = .object(internals)
        issued.records[index] = record
    }

    /// The answer the rotation of `old` gave, when presenting `old` again is a retry within the grace:
    /// its successor is still active and the window is open. nil: treat it as reuse. `old` may be the
    /// copy read before a concurrent request rotated it.
    func retriedRefresh(of old: TokenRecord, client: Client, now: Date) async -> TokenResponse? {
        guard config.snapshot.refreshTokenRetryGrace(of: client) > 0, let family = old.familyID else { return nil }
        let candidates = (try? await store.tokens(matching: TokenQuery(tenantID: old.tenantID, limit: 20, familyID: family), at: now)) ?? []
        guard let successor = candidates.first(where: { $0.kind == .refresh && $0.internalValue(Self.rotatedFromKey)?.stringValue == old.id }),
            successor.revokedAt == nil, successor.expiresAt > now,
            case .number(let until)? = successor.internalValue(Self.retryUntilKey), now.timeIntervalSince1970 <= until,
            let encoded = successor.internalValue(Self.retryKey)?.stringValue, let sealed = Base64URL.decode(encoded),
            let plain = try? keyring.open(sealed, context: Self.retryContext(old)),
            case .object(let answer)? = try? JSONValue(parsing: plain),
            let accessToken = answer["access_token"]?.stringValue,
            let accessRecord = candidates.first(where: { $0.id == answer["access_token_id"]?.stringValue })
        else { return nil }
        var response = TokenResponse(
            accessToken: accessToken,
            expiresIn: Int(answer["expires_in"]?.doubleValue ?? 0),
            scope: answer["scope"]?.stringValue,
            refreshToken: answer["refresh_token"]?.stringValue,
            idToken: answer["id_token"]?.stringValue,
            record: accessRecord
        )
        response.tokenType = answer["token_type"]?.stringValue ?? response.tokenType
        await audit([
            AuditEventDraft(
                time: now,
                type: .tokenRefreshed,
                tenantID: old.tenantID,
                clientID: client.id,
                subject: old.subject,
                tokenID: accessRecord.id,
                actor: "client:\(client.id)",
                details: ["retry_of": old.id, "refresh_token_id": successor.id, "family": family, "retried": "true"]
            )
        ])
        return response
    }

    private static func retryContext(_ old: TokenRecord) -> String { "refresh retry|\(old.tenantID)|\(old.id)" }
}
