import Foundation
import JOSE

/// What the browser gets next in an authorization: the HTTP layer renders or redirects, nothing more.
public enum AuthorizationOutcome: Sendable {
    /// Stop here and show the error: the client or the redirect URI cannot be trusted.
    case errorPage(OAuthError)
    /// Send the browser to this URL: a code or an error for the client.
    case redirect(String)
    /// Ask the user to sign in (with a message such as "wrong username or password").
    case login(AuthorizationRequest, notice: String?)
    /// Ask a signed-in user to let a third-party client have these scopes.
    case consent(AuthorizationRequest, user: User, scopes: [ScopeDefinition])
}

/// A signed-in browser.
public struct BrowserSession: Sendable {
    public var session: LoginSession
    public var user: User
}

extension ClaimdeckEngine {
    /// Authorization codes live at most this long (RFC 6749 §4.1.2 recommends 10 minutes at most).
    static let codeLifetime: TimeInterval = 60
    static let redeemedReason = "authorization code redeemed"
    static let rotatedReason = "refresh token rotated"

    /// The authorization endpoint (RFC 6749 §4.1.1): validates the request, then signs the user in,
    /// asks for consent, or issues a code, as needed.
    ///
    /// - Parameter justAuthenticated: the user signed in on this request, so `prompt=login` and
    ///   `max_age` are satisfied.
    public func authorize(
        tenantID: String,
        parameters: FormParameters,
        sessionCookie: String?,
        remoteAddress: String?,
        justAuthenticated: Bool = false
    ) async -> AuthorizationOutcome {
        let request: AuthorizationRequest
        switch await validateAuthorization(tenantID: tenantID, parameters: parameters, remoteAddress: remoteAddress) {
        case .success(let r): request = r
        case .failure(let deferred): return await deferred.run()
        }
        let now = clock.now()
        let browser = await browserSession(tenantID: tenantID, cookie: sessionCookie)
        var needsLogin = browser == nil
        if let browser, !justAuthenticated {
            if request.prompt.contains("login") || request.prompt.contains("select_account") { needsLogin = true }
            if let maxAge = request.maxAge, now.timeIntervalSince(browser.session.authTime) > TimeInterval(maxAge) { needsLogin = true }
        }
        if needsLogin {
            if request.prompt.contains("none") {
                return await refuse(
                    request,
                    OAuthError(code: "login_required", description: "the user is not signed in"),
                    remoteAddress: remoteAddress
                )
            }
            return .login(request, notice: nil)
        }
        guard let browser else { return .login(request, notice: nil) }
        if request.client.thirdParty {
            let consent = try? await store.consent(tenantID: tenantID, userID: browser.user.id, clientID: request.client.id)
            if consent?.covers(request.scopes) != true || request.prompt.contains("consent") {
                if request.prompt.contains("none") {
                    return await refuse(
                        request,
                        OAuthError(code: "consent_required", description: "the user has not consented to these scopes"),
                        remoteAddress: remoteAddress
                    )
                }
                let defined = config.snapshot.scopes[tenantID] ?? [:]
                return .consent(
                    request,
                    user: browser.user,
                    scopes: request.scopes.map {
                        defined[$0] ?? ScopeDefinition(tenantID: tenantID, name: $0, description: StandardScopes.descriptions[$0] ?? "")
                    }
                )
            }
        }
        return await issueCode(request, browser: browser)
    }

    /// The user's answer on the consent page. Approval is remembered for the client and the scope set.
    public func decideConsent(
        tenantID: String,
        parameters: FormParameters,
        sessionCookie: String?,
        approved: Bool,
        remoteAddress: String?
    ) async -> AuthorizationOutcome {
        let request: AuthorizationRequest
        switch await validateAuthorization(tenantID: tenantID, parameters: parameters, remoteAddress: remoteAddress) {
        case .success(let r): request = r
        case .failure(let deferred): return await deferred.run()
        }
        guard let browser = await browserSession(tenantID: tenantID, cookie: sessionCookie) else {
            return .login(request, notice: "Your session ended. Sign in again.")
        }
        let now = clock.now()
        guard approved else {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .consentDenied,
                    outcome: .failure,
                    tenantID: tenantID,
                    clientID: request.client.id,
                    subject: browser.user.id,
                    reason: "access_denied",
                    actor: "user:\(browser.user.id)",
                    details: ["scope": request.scopes.joined(separator: " ")]
                )
            ])
            return await refuse(
                request,
                OAuthError(code: "access_denied", description: "the user denied the request"),
                remoteAddress: remoteAddress,
                audited: true
            )
        }
        let previous = (try? await store.consent(tenantID: tenantID, userID: browser.user.id, clientID: request.client.id))?.scopes ?? []
        let scopes = previous + request.scopes.filter { !previous.contains($0) }
        do {
            try await store.putConsent(
                Consent(tenantID: tenantID, userID: browser.user.id, clientID: request.client.id, scopes: scopes, grantedAt: now),
                audit: [
                    AuditEventDraft(
                        time: now,
                        type: .consentGranted,
                        tenantID: tenantID,
                        clientID: request.client.id,
                        subject: browser.user.id,
                        actor: "user:\(browser.user.id)",
                        details: ["scope": scopes.joined(separator: " ")]
                    )
                ]
            )
        } catch {
            return await refuse(request, .temporarilyUnavailable("the consent could not be stored; try again"), remoteAddress: remoteAddress)
        }
        return await issueCode(request, browser: browser)
    }

    /// The validated authorization request, or nil; for re-showing a page. Audits nothing.
    public func authorizationRequest(tenantID: String, parameters: FormParameters) async -> AuthorizationRequest? {
        try? await resolveAuthorization(tenantID: tenantID, parameters: parameters, snapshot: config.snapshot).get()
    }

    /// The request the parameters make: the pushed one a `request_uri` names (RFC 9126 §4), or the
    /// parameters themselves.
    private func resolveAuthorization(
        tenantID: String,
        parameters: FormParameters,
        snapshot: ConfigSnapshot
    ) async -> Result<AuthorizationRequest, AuthorizationFailure> {
        let issuer = configuration.issuer(for: tenantID)
        guard parameters.values["request_uri"] != nil else {
            return AuthorizationRequest.parse(parameters, tenantID: tenantID, snapshot: snapshot, issuer: issuer)
        }
        let pushed: PushedAuthorizationRequest
        do throws(OAuthError) {
            pushed = try await pushedRequest(tenantID: tenantID, parameters: parameters)
        } catch {
            return .failure(.errorPage(error))
        }
        return AuthorizationRequest.parse(pushed.parameters, tenantID: tenantID, snapshot: snapshot, issuer: issuer, pushed: true).map { r in
            var request = r
            // The pages carry only the reference: the store keeps the request, and each step reads it again.
            request.parameters = FormParameters(pairs: [("client_id", pushed.clientID), ("request_uri", pushed.requestURI)])
            request.pushedRequestID = pushed.id
            return request
        }
    }

    /// RFC 9126 §4: the pushed request named by `request_uri`, still usable, of the client the request
    /// names. Every other parameter is ignored: the pushed request is the request. Failures are
    /// `invalid_request_uri` (RFC 9101 §6.2), on an error page, as the redirect URI is not known yet.
    private func pushedRequest(tenantID: String, parameters: FormParameters) async throws(OAuthError) -> PushedAuthorizationRequest {
        guard let clientID = try parameters.single("client_id") else {
            throw .invalidRequest("a request with request_uri must also send client_id (RFC 9126 section 4)")
        }
        let uri = try parameters.required("request_uri")
        func invalid(_ d: String) -> OAuthError { OAuthError(code: "invalid_request_uri", description: d) }
        guard let id = PushedAuthorizationRequest.id(fromRequestURI: uri) else {
            throw invalid("request_uri must be one this server issued at its PAR endpoint (\(PushedAuthorizationRequest.uriPrefix)...)")
        }
        let found: PushedAuthorizationRequest?
        do {
            found = try await store.pushedRequest(tenantID: tenantID, id: id)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let found else { throw invalid("request_uri is unknown: push the authorization request again") }
        guard found.clientID == clientID else {
            throw invalid("request_uri was issued to another client than '\(Validation.printable(clientID))'")
        }
        guard found.usedAt == nil else { throw invalid("request_uri was already used: push the authorization request again") }
        guard found.expiresAt > clock.now() else { throw invalid("request_uri has expired: push the authorization request again") }
        return found
    }

    /// The active session a cookie names, with its user (enabled), or nil.
    public func browserSession(tenantID: String, cookie: String?) async -> BrowserSession? {
        guard let cookie, let id = SessionCookie.sessionID(of: cookie),
            let session = try? await store.session(id: id), session.tenantID == tenantID, session.isActive(at: clock.now()),
            SecretDigest.constantTimeEquals(session.digest, SecretDigest.sha256(cookie)),
            let user = try? await store.user(tenantID: tenantID, id: session.userID), !user.disabled
        else { return nil }
        return BrowserSession(session: session, user: user)
    }

    /// Parses and, on failure, audits; the failure comes back as the outcome to show.
    private func validateAuthorization(
        tenantID: String,
        parameters: FormParameters,
        remoteAddress: String?
    ) async -> Result<AuthorizationRequest, AuthorizationOutcomeTask> {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else {
            return .failure(AuthorizationOutcomeTask { .errorPage(.notFound("no tenant '\(Validation.printable(tenantID))' on this server")) })
        }
        switch await resolveAuthorization(tenantID: tenantID, parameters: parameters, snapshot: snapshot) {
        case .success(let request):
            return .success(request)
        case .failure(.errorPage(let error)):
            return .failure(
                AuthorizationOutcomeTask { [self] in
                    await auditAuthorizationRefused(
                        tenantID: tenantID,
                        clientID: ((try? parameters.single("client_id")) ?? nil).map { Validation.printable($0, limit: 128) },
                        error,
                        remoteAddress: remoteAddress,
                        shownAsPage: true
                    )
                    return .errorPage(error)
                }
            )
        case .failure(.redirect(let error, let uri, let state)):
            let clientID = ((try? parameters.single("client_id")) ?? nil) ?? ""
            return .failure(
                AuthorizationOutcomeTask { [self] in
                    await auditAuthorizationRefused(tenantID: tenantID, clientID: clientID, error, remoteAddress: remoteAddress)
                    return .redirect(AuthorizationResponse.url(uri, error: error, state: state, issuer: configuration.issuer(for: tenantID)))
                }
            )
        }
    }

    /// One `authorization.refused` event: the client as the request named it, the error, and whether
    /// it was shown as an error page instead of being sent to the client's redirect URI.
    private func auditAuthorizationRefused(
        tenantID: String,
        clientID: String?,
        _ error: OAuthError,
        remoteAddress: String?,
        shownAsPage: Bool = false
    ) async {
        var details = ["description": error.errorDescription, "remote_address": remoteAddress ?? ""]
        if shownAsPage { details["shown"] = "error page" }
        await audit([
            AuditEventDraft(
                time: clock.now(),
                type: .authorizationRefused,
                outcome: .failure,
                tenantID: tenantID,
                clientID: clientID,
                reason: error.code,
                actor: "http",
                details: details
            )
        ])
    }

    /// Sends an error to the client's redirect URI (with `state` and `iss`), audited.
    func refuse(_ request: AuthorizationRequest, _ error: OAuthError, remoteAddress: String?, audited: Bool = false) async -> AuthorizationOutcome {
        if !audited {
            await auditAuthorizationRefused(tenantID: request.tenantID, clientID: request.client.id, error, remoteAddress: remoteAddress)
        }
        return .redirect(
            AuthorizationResponse.url(
                request.redirectURI,
                error: error,
                state: request.state,
                issuer: configuration.issuer(for: request.tenantID)
            )
        )
    }

    /// Issues a single-use code bound to the client, the redirect URI, the PKCE challenge and the
    /// session; it starts a new token family.
    private func issueCode(_ request: AuthorizationRequest, browser: BrowserSession) async -> AuthorizationOutcome {
        let now = clock.now()
        if let pushedID = request.pushedRequestID {
            // RFC 9126 §4: one code per pushed request; of two tabs finishing at once, one wins.
            do {
                guard try await store.usePushedRequest(tenantID: request.tenantID, id: pushedID, at: now) else {
                    return await refuse(
                        request,
                        OAuthError(code: "invalid_request_uri", description: "request_uri was already used or has expired"),
                        remoteAddress: nil
                    )
                }
            } catch {
                return await refuse(request, .temporarilyUnavailable("the authorization could not be stored; try again"), remoteAddress: nil)
            }
        }
        let id = ids.timeOrdered(at: now)
        let code = TokenLocator.opaque(prefix: TokenLocator.codePrefix, id: id, secret: ids.secret(bytes: 32))
        let client = request.client
        let authorization = UserAuthorization(
            userID: browser.user.id,
            scopes: request.scopes,
            audiences: request.audiences,
            familyID: ids.timeOrdered(at: now),
            familyExpiresAt: now.addingTimeInterval(TimeInterval(client.refreshTokenAbsoluteLifetime)),
            sessionID: browser.session.id,
            authTime: browser.session.authTime,
            amr: browser.session.amr
        )
        var internalClaims = authorization.internalClaims
        internalClaims["redirect_uri"] = .string(request.redirectURI)
        internalClaims["redirect_uri_given"] = .bool(request.redirectURIGiven)
        if let challenge = request.codeChallenge { internalClaims["code_challenge"] = .string(challenge) }
        if let nonce = request.nonce { internalClaims["nonce"] = .string(nonce) }
        if let jkt = request.dpopKeyThumbprint { internalClaims[DPoPProof.boundKeyClaim] = .string(jkt) }
        let record = TokenRecord(
            id: id,
            tenantID: request.tenantID,
            kind: .authorizationCode,
            format: .opaque,
            clientID: client.id,
            subject: browser.user.id,
            scopes: request.scopes,
            audiences: request.audiences,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(Self.codeLifetime),
            digest: SecretDigest.sha256(code),
            keyID: nil,
            grantType: .authorizationCode,
            familyID: authorization.familyID,
            claims: [TokenRecord.internalKey: .object(internalClaims)]
        )
        do {
            try await store.record(
                tokens: [record],
                audit: [
                    AuditEventDraft(
                        time: now,
                        type: .authorizationCodeIssued,
                        tenantID: request.tenantID,
                        clientID: client.id,
                        subject: browser.user.id,
                        tokenID: id,
                        actor: "user:\(browser.user.id)",
                        details: [
                            "scope": request.scopes.joined(separator: " "), "family": authorization.familyID,
                            "pkce": request.codeChallenge == nil ? "none" : "S256",
                            "request": request.pushedRequestID == nil ? "front channel" : "pushed (PAR)",
                            "bound": request.dpopKeyThumbprint == nil ? "bearer" : "dpop",
                        ]
                    )
                ]
            )
        } catch {
            return await refuse(request, .temporarilyUnavailable("the authorization could not be stored; try again"), remoteAddress: nil)
        }
        return .redirect(
            AuthorizationResponse.url(
                request.redirectURI,
                code: code,
                state: request.state,
                issuer: configuration.issuer(for: request.tenantID)
            )
        )
    }
}

/// A deferred outcome: the audit write of a refused request happens when the caller awaits it.
struct AuthorizationOutcomeTask: Error {
    let run: @Sendable () async -> AuthorizationOutcome
    init(_ run: @escaping @Sendable () async -> AuthorizationOutcome) { self.run = run }
}
