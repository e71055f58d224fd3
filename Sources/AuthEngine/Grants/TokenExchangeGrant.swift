import Foundation
import JOSE

/// The token type identifiers of RFC 8693 §3 that this server reads and issues.
public enum TokenTypeIdentifier {
    /// An access token issued by this server (opaque or JWT).
    public static let accessToken = "urn:ietf:params:oauth:token-type:access_token"
    /// A JWT; accepted for subject and actor tokens that are this server's JWT access tokens.
    public static let jwt = "urn:ietf:params:oauth:token-type:jwt"
}

extension ClaimdeckEngine {
    /// How deep `act` claims may nest: a chain of delegations longer than this is refused.
    static let maximumActorChainDepth = 8

    /// RFC 8693 token exchange: an API trades a token it received (the subject token) for a token for a
    /// downstream API. The new token keeps the subject's `sub`, records the caller in `act` (nesting the
    /// subject token's own `act`), has no scope the subject token lacked, and is for a target the
    /// client's `TokenExchangePolicy` allows; it does not outlive the subject token.
    func tokenExchange(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        client: Client,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> TokenResponse {
        guard client.type == .confidential else {
            throw .unauthorizedClient("public clients cannot exchange tokens; token exchange needs an authenticated client")
        }
        guard client.grantTypes.contains(.tokenExchange) else {
            throw .unauthorizedClient("client '\(client.id)' is not allowed the token-exchange grant")
        }
        guard let policy = snapshot.tokenExchangePolicies[tenant.id]?[client.id] else {
            throw .unauthorizedClient(
                "client '\(client.id)' has no token exchange policy; an admin sets one with 'claimdeck client exchange-policy set \(client.id) --audience <target>'"
            )
        }
        let form = request.form
        let subjectToken = try form.required("subject_token")
        let subjectType = try Self.exchangeTokenType(form.required("subject_token_type"), parameter: "subject_token_type")
        let actorToken = try form.single("actor_token")
        var actorType = try form.single("actor_token_type")
        if let type = actorType { actorType = try Self.exchangeTokenType(type, parameter: "actor_token_type") }
        if actorToken != nil && actorType == nil {
            throw .invalidRequest("actor_token_type is required when actor_token is sent (RFC 8693 section 2.1)")
        }
        if actorToken == nil && actorType != nil {
            throw .invalidRequest("actor_token_type must not be sent without actor_token (RFC 8693 section 2.1)")
        }
        if let requested = try form.single("requested_token_type"), requested != TokenTypeIdentifier.accessToken {
            throw .invalidRequest(
                "requested_token_type '\(Validation.printable(requested))' is not supported; this server issues \(TokenTypeIdentifier.accessToken)"
            )
        }
        let requestedTargets = try AudiencePolicy.requested(resources: form.all("resource"), audience: form.single("audience"))

        let subject = try await exchangedToken(subjectToken, type: subjectType, parameter: "subject_token", tenant: tenant, snapshot: snapshot)
        guard !Set(subject.audiences).isDisjoint(with: policy.acceptedSubjectAudiences) else {
            throw Self.unacceptableToken(
                "subject_token was not issued for client '\(client.id)': its aud must contain one of \(policy.acceptedSubjectAudiences.joined(separator: ", "))"
            )
        }
        if !policy.subjectClients.isEmpty && !policy.subjectClients.contains(subject.clientID) {
            throw Self.unacceptableToken(
                "subject_token was issued to client '\(subject.clientID)', whose tokens client '\(client.id)' may not exchange"
            )
        }

        var actor: [String: JSONValue] = ["sub": .string(client.id)]
        var details = ["subject_token_id": subject.id, "subject_client": subject.clientID]
        if let actorToken, let actorType {
            let presented = try await exchangedToken(actorToken, type: actorType, parameter: "actor_token", tenant: tenant, snapshot: snapshot)
            guard presented.clientID == client.id else {
                throw Self.unacceptableToken("actor_token must be a token issued to the exchanging client '\(client.id)'")
            }
            actor = ["sub": .string(presented.subject)]
            details["actor_token_id"] = presented.id
        }
        if let previous = subject.claims["act"] {
            guard Self.actorChainDepth(previous) < Self.maximumActorChainDepth else {
                throw Self.unacceptableToken("subject_token already records \(Self.maximumActorChainDepth) actors; the delegation chain is too long")
            }
            actor["act"] = previous
        }
        details["actor"] = actor["sub"]?.stringValue ?? client.id

        let scopes = try exchangedScopes(requested: form.single("scope"), subject: subject, client: client)
        let audiences: [String]
        if requestedTargets.isEmpty {
            guard policy.targetAudiences.count == 1 else {
                throw .invalidRequest(
                    "name the target with 'audience' or 'resource': client '\(client.id)' may exchange to \(policy.targetAudiences.joined(separator: ", "))"
                )
            }
            audiences = policy.targetAudiences
        } else {
            audiences = try AudiencePolicy.select(requestedTargets, allowed: policy.targetAudiences, owner: "token exchange by client '\(client.id)'")
        }
        let remaining = Int(subject.expiresAt.timeIntervalSince(clock.now()).rounded(.down))
        return try await issueAccessToken(
            .init(
                tenant: tenant,
                client: client,
                subject: subject.subject,
                scopes: scopes,
                audiences: audiences,
                grantType: .tokenExchange,
                lifetime: max(1, min(client.accessTokenLifetime, remaining)),
                extraClaims: ["act": .object(actor)]
            ),
            snapshot: snapshot,
            details: details,
            issuedTokenType: TokenTypeIdentifier.accessToken,
            boundTo: request.confirmation
        )
    }

    /// RFC 8693 §2.2.2: a subject or actor token that is invalid, or unacceptable by policy, is refused
    /// with `invalid_request`.
    static func unacceptableToken(_ description: String) -> OAuthError { .invalidRequest(description) }

    /// The token types accepted for subject and actor tokens.
    static func exchangeTokenType(_ type: String, parameter: String) throws(OAuthError) -> String {
        guard type == TokenTypeIdentifier.accessToken || type == TokenTypeIdentifier.jwt else {
            throw .invalidRequest(
                "\(parameter) '\(Validation.printable(type))' is not supported; use \(TokenTypeIdentifier.accessToken) or \(TokenTypeIdentifier.jwt)"
            )
        }
        return type
    }

    /// The stored record of a presented subject or actor token: an active access token of this tenant,
    /// whose client still exists and is enabled. Found by digest, so a forged or altered token is unknown.
    private func exchangedToken(
        _ token: String,
        type: String,
        parameter: String,
        tenant: Tenant,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> TokenRecord {
        let found: TokenRecord?
        do {
            found = try await TokenLocator.locate(token, tenantID: tenant.id, store: store)
        } catch {
            throw .temporarilyUnavailable("the store did not answer; retry")
        }
        guard let record = found, record.kind == .access else {
            throw Self.unacceptableToken("\(parameter) is not an access token issued by tenant '\(tenant.id)'")
        }
        if type == TokenTypeIdentifier.jwt && record.format != .jwt {
            throw Self.unacceptableToken("\(parameter) is an opaque token; send it with type \(TokenTypeIdentifier.accessToken)")
        }
        switch record.status(at: clock.now()) {
        case .revoked: throw Self.unacceptableToken("\(parameter) has been revoked")
        case .expired: throw Self.unacceptableToken("\(parameter) has expired")
        case .active: break
        }
        guard let owner = snapshot.client(tenant.id, record.clientID), !owner.disabled else {
            throw Self.unacceptableToken("\(parameter) was issued to a client that is disabled or deleted")
        }
        return record
    }

    /// Never wider than the subject token, and within the client's scopes. Absent `scope`: what both allow.
    private func exchangedScopes(requested: String?, subject: TokenRecord, client: Client) throws(OAuthError) -> [String] {
        let allowed = try ScopePolicy.granted(requested: requested, client: client)
        if requested != nil {
            if let wider = allowed.first(where: { !subject.scopes.contains($0) }) {
                throw .invalidScope("scope '\(wider)' is wider than the subject token's scopes (\(subject.scopes.joined(separator: " ")))")
            }
            return allowed
        }
        let common = allowed.filter { subject.scopes.contains($0) }
        guard !common.isEmpty else {
            throw .invalidScope("the subject token's scopes and those allowed for client '\(client.id)' have none in common")
        }
        return common
    }

    /// The number of actors an `act` claim records, itself included.
    static func actorChainDepth(_ act: JSONValue) -> Int {
        var depth = 0
        var current: JSONValue? = act
        while let value = current, case .object(let object) = value {
            depth += 1
            current = object["act"]
        }
        return depth
    }
}
