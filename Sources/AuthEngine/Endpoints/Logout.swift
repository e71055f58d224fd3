import Foundation
import JOSE

/// A validated RP-initiated logout request (OpenID Connect RP-Initiated Logout 1.0 §2).
public struct LogoutRequest: Sendable {
    public var tenantID: String
    public var client: Client?
    /// Registered for the client, exactly.
    public var postLogoutRedirectURI: String?
    public var state: String?
    /// The subject and session of a valid `id_token_hint`.
    public var hintSubject: String?
    public var hintSessionID: String?
    public var parameters: FormParameters
}

/// What the browser gets from the logout endpoint.
public enum LogoutOutcome: Sendable {
    case errorPage(OAuthError)
    /// Ask the user to confirm (no trustworthy hint that names their session).
    case confirm(LogoutRequest)
    /// Signed out; back to the client.
    case redirect(String)
    /// Signed out; no client to go back to.
    case signedOut
}

extension ClaimdeckEngine {
    /// Ends the browser's session. Without an `id_token_hint` naming this very session the user is
    /// asked first, so a third party cannot log people out with a link. Clients that chose so have
    /// their tokens of that session revoked.
    public func logout(tenantID: String, parameters: FormParameters, sessionCookie: String?, confirmed: Bool) async -> LogoutOutcome {
        let request: LogoutRequest
        do throws(OAuthError) {
            request = try parseLogout(tenantID: tenantID, parameters: parameters)
        } catch {
            await audit([
                AuditEventDraft(
                    time: clock.now(),
                    type: .logoutRefused,
                    outcome: .failure,
                    tenantID: tenantID,
                    reason: error.code,
                    actor: "http",
                    details: ["description": error.errorDescription]
                )
            ])
            return .errorPage(error)
        }
        if let browser = await browserSession(tenantID: tenantID, cookie: sessionCookie) {
            let hinted = request.hintSubject == browser.user.id && (request.hintSessionID == nil || request.hintSessionID == browser.session.id)
            if !confirmed && !hinted { return .confirm(request) }
            await endSession(browser, client: request.client)
        }
        if let uri = request.postLogoutRedirectURI {
            return .redirect(request.state.map { AuthorizationResponse.url(uri, [("state", $0)]) } ?? uri)
        }
        return .signedOut
    }

    private func parseLogout(tenantID: String, parameters p: FormParameters) throws(OAuthError) -> LogoutRequest {
        let (tenant, snapshot) = try tenant(tenantID)
        var client: Client?
        var hintSubject: String?
        var hintSession: String?
        if let hint = try p.single("id_token_hint") {
            guard let jws = JWS.parse(hint), jws.payload["iss"]?.stringValue == configuration.issuer(for: tenant.id),
                let key = Keyring.jwks(tenantID: tenant.id, snapshot: snapshot, now: clock.now()).keys.first(where: { $0.kid == jws.keyID }),
                let verifier = try? VerificationKey(jwk: key), jws.verify(with: verifier)
            else {
                throw .invalidRequest("id_token_hint is not an ID token issued by this tenant")
            }
            // An expired ID token is still a fine hint (RP-Initiated Logout §2).
            hintSubject = jws.payload["sub"]?.stringValue
            hintSession = jws.payload["sid"]?.stringValue
            if let aud = jws.payload["aud"]?.stringValue ?? jws.payload["aud"]?.arrayValue?.first?.stringValue {
                client = snapshot.client(tenant.id, aud)
            }
        }
        if let clientID = try p.single("client_id") {
            guard let named = snapshot.client(tenant.id, clientID) else {
                throw .invalidRequest("there is no client '\(Validation.printable(clientID))' in this tenant")
            }
            if let client, client.id != named.id { throw .invalidRequest("client_id does not match the id_token_hint's audience") }
            client = named
        }
        let uri = try p.single("post_logout_redirect_uri")
        if let uri {
            guard let client else {
                throw .invalidRequest("post_logout_redirect_uri needs client_id or id_token_hint to know whose URI it is")
            }
            guard client.postLogoutRedirectURIs.contains(uri) else {
                throw .invalidRequest(
                    "post_logout_redirect_uri '\(Validation.printable(uri, limit: 200))' is not registered for client '\(client.id)'"
                )
            }
        }
        return LogoutRequest(
            tenantID: tenant.id,
            client: client,
            postLogoutRedirectURI: uri,
            state: try p.single("state"),
            hintSubject: hintSubject,
            hintSessionID: hintSession,
            parameters: p
        )
    }

    private func endSession(_ browser: BrowserSession, client: Client?) async {
        let now = clock.now()
        let session = browser.session
        let revoking = (config.snapshot.clients[session.tenantID] ?? [:]).values.filter(\.revokeRefreshTokensOnLogout).map(\.id).sorted()
        var details = ["session": session.id]
        if !revoking.isEmpty {
            do {
                let summary = try await store.revoke(
                    .session(tenantID: session.tenantID, subject: browser.user.id, sessionID: session.id, clientIDs: revoking),
                    at: now,
                    reason: "logout",
                    audit: AuditEventDraft(
                        time: now,
                        type: .tokenRevoked,
                        tenantID: session.tenantID,
                        subject: browser.user.id,
                        reason: "logout",
                        actor: "user:\(browser.user.id)",
                        details: ["selector": "session \(session.id)", "clients": revoking.joined(separator: " ")]
                    ),
                    signals: revocationSignals(
                        .session(tenantID: session.tenantID, subject: browser.user.id, sessionID: session.id, clientIDs: revoking),
                        reason: nil,
                        at: now
                    )
                )
                details["tokens_revoked"] = "\(summary.revoked)"
                metrics.revoked(tenant: session.tenantID, via: "logout", count: summary.revoked)
            } catch {
                errorLog.error("revoking the tokens of a session at logout failed", metadata: ["error": "\(error)"])
            }
        }
        _ = try? await store.endSession(
            tenantID: session.tenantID,
            id: session.id,
            at: now,
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .sessionEnded,
                    tenantID: session.tenantID,
                    clientID: client?.id,
                    subject: browser.user.id,
                    actor: "user:\(browser.user.id)",
                    details: details
                )
            ]
        )
    }
}
