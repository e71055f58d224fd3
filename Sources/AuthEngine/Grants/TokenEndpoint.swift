import Foundation
import JOSE

/// A request to the token endpoint, as the HTTP layer hands it over.
public struct TokenEndpointRequest: Sendable {
    public var tenantID: String
    public var form: FormParameters
    public var authorization: String?
    public var remoteAddress: String?
    /// Every `DPoP` header value (RFC 9449 §4.1), in order.
    public var dpopProofs: [String]
    /// The HTTP method, which a DPoP proof's `htm` must name.
    public var method: String
    /// The certificate of the TLS connection the request came over (RFC 8705), if the client sent one.
    public var clientCertificate: ClientCertificate?
    /// Whether the request came to the mutual-TLS listener (its URL is the `mtls_endpoint_aliases` one).
    public var viaMutualTLS = false
    /// The thumbprint of the key of the request's verified DPoP proof; set by the endpoint, never by a caller.
    var dpopKeyThumbprint: String?
    /// `x5t#S256` of the certificate the client's tokens are bound to (RFC 8705 §3); set by the endpoint.
    var certificateThumbprint: String?

    /// What the access token issued for this request is bound to (`cnf`); nil: a bearer token.
    var confirmation: TokenConfirmation? {
        TokenConfirmation(keyThumbprint: dpopKeyThumbprint, certificateThumbprint: certificateThumbprint)
    }

    public init(
        tenantID: String,
        form: FormParameters,
        authorization: String?,
        remoteAddress: String? = nil,
        dpopProofs: [String] = [],
        method: String = "POST",
        clientCertificate: ClientCertificate? = nil
    ) {
        self.clientCertificate = clientCertificate
        self.tenantID = tenantID
        self.form = form
        self.authorization = authorization
        self.remoteAddress = remoteAddress
        self.dpopProofs = dpopProofs
        self.method = method
    }
}

/// A successful token response (RFC 6749 §5.1).
public struct TokenResponse: Sendable {
    public var accessToken: String
    public var tokenType: String = "Bearer"
    public var expiresIn: Int
    public var scope: String?
    /// A rotating refresh token (RFC 6749 §6), when the client may refresh.
    public var refreshToken: String?
    /// An OpenID Connect ID token, when `openid` was granted.
    public var idToken: String?
    /// RFC 8693 §2.2.1 `issued_token_type`, for token exchange.
    public var issuedTokenType: String?
    /// The stored record of the access token.
    public var record: TokenRecord
    /// RFC 9449 §8.2: the tenant's current DPoP nonce, for the `DPoP-Nonce` header, when it requires one.
    public var dpopNonce: String?

    public init(
        accessToken: String,
        expiresIn: Int,
        scope: String?,
        refreshToken: String? = nil,
        idToken: String? = nil,
        issuedTokenType: String? = nil,
        record: TokenRecord
    ) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.scope = scope
        self.refreshToken = refreshToken
        self.idToken = idToken
        self.issuedTokenType = issuedTokenType
        self.record = record
    }

    /// The JSON body.
    public func json() -> [UInt8] {
        var w = JSONWriter(capacity: accessToken.utf8.count + 96)
        w.beginObject()
        w.field("access_token", accessToken)
        w.field("token_type", tokenType)
        w.field("expires_in", Int64(expiresIn))
        if let scope { w.field("scope", scope) }
        if let refreshToken { w.field("refresh_token", refreshToken) }
        if let idToken { w.field("id_token", idToken) }
        if let issuedTokenType { w.field("issued_token_type", issuedTokenType) }
        w.endObject()
        return w.bytes
    }
}

extension ClaimdeckEngine {
    /// The token endpoint (RFC 6749 §3.2): dispatches on `grant_type`. Every refusal is audited and
    /// counted with its reason, never with the secret.
    public func token(_ presented: TokenEndpointRequest) async throws(OAuthError) -> TokenResponse {
        var request = presented
        let (tenant, snapshot) = try tenant(request.tenantID)
        let grantName = (try? request.form.single("grant_type")) ?? nil
        let credentials = Result { () throws(OAuthError) in
            try PresentedClientCredentials.from(authorization: request.authorization, form: request.form, realm: tenant.id)
        }
        do throws(OAuthError) {
            guard let grant = try request.form.single("grant_type") else {
                throw OAuthError.invalidRequest("parameter 'grant_type' is missing")
            }
            let credentials = try credentials.get()
            let endpoint = configuration.issuer(for: tenant.id) + "/token"
            let requestURL = configuration.endpointURL("token", tenantID: tenant.id, mutualTLS: request.viaMutualTLS)
            let client = try await authenticateClient(
                credentials,
                certificate: request.clientCertificate,
                tenant: tenant,
                snapshot: snapshot,
                endpoint: "token",
                allowPublic: true,
                remoteAddress: request.remoteAddress
            )
            let kind = GrantType(rawValue: grant)
            guard GrantType.implemented.contains(kind) else {
                throw OAuthError.unsupportedGrantType("grant_type '\(Validation.printable(grant))' is not supported by this server")
            }
            request.dpopKeyThumbprint = try await tokenEndpointProof(request, tenant: tenant, client: client, url: requestURL)?.thumbprint
            request.certificateThumbprint = try certificateBinding(request, tenant: tenant, client: client)
            var response: TokenResponse
            switch kind {
            case .clientCredentials:
                response = try await clientCredentials(request, tenant: tenant, client: client, snapshot: snapshot)
            case .authorizationCode:
                response = try await authorizationCode(request, tenant: tenant, client: client, snapshot: snapshot)
            case .refreshToken:
                response = try await refreshToken(request, tenant: tenant, client: client, snapshot: snapshot)
            case .deviceCode:
                response = try await deviceCode(request, tenant: tenant, client: client, snapshot: snapshot)
            case .tokenExchange:
                response = try await tokenExchange(request, tenant: tenant, client: client, snapshot: snapshot)
            case .jwtBearer:
                response = try await jwtBearer(request, tenant: tenant, client: client, snapshot: snapshot, endpointURL: endpoint)
            default:
                throw OAuthError.unsupportedGrantType("grant_type '\(Validation.printable(grant))' is not supported by this server")
            }
            response.dpopNonce = currentDPoPNonce(tenant)
            return response
        } catch {
            let claimed = (try? credentials.get())?.claimedClientID
            metrics.refused(
                tenant: tenant.id,
                grant: grantName.map { GrantType.implemented.contains(GrantType(rawValue: $0)) ? $0 : "other" } ?? "none",
                reason: error.code
            )
            await auditRefusal(
                AuditEventDraft(
                    time: clock.now(),
                    type: .tokenRefused,
                    outcome: .failure,
                    tenantID: tenant.id,
                    clientID: claimed.map { Validation.printable($0, limit: 128) },
                    reason: error.code,
                    actor: "http",
                    details: [
                        "description": error.auditedDescription, "grant_type": Validation.printable(grantName ?? "", limit: 64),
                        "remote_address": request.remoteAddress ?? "",
                    ].merging(request.clientCertificate.map(Self.certificateAuditDetails) ?? [:]) { $1 }.merging(
                        Self.bindingFailureDetails(error)
                    ) { $1 }
                ),
                error
            )
            throw error
        }
    }

    /// RFC 6749 §4.4: the client acts for itself; `sub` is its client id.
    func clientCredentials(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        client: Client,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> TokenResponse {
        guard client.type == .confidential else {
            throw .unauthorizedClient("public clients cannot use client_credentials")
        }
        try requireGrant(.clientCredentials, client: client)
        let scopes = try ScopePolicy.granted(requested: request.form.single("scope"), client: client)
        let audiences = try AudiencePolicy.resolve(
            resources: request.form.all("resource"),
            audience: request.form.single("audience"),
            client: client,
            scopes: scopes,
            snapshot: snapshot
        )
        let inputs = try await claimInputs(user: nil, client: client, context: nil, scopes: scopes, snapshot: snapshot)
        return try await issueAccessToken(
            clientCredentialsGrant(
                tenant: tenant,
                inputs: inputs,
                scopes: scopes,
                audiences: audiences,
                snapshot: snapshot
            ),
            snapshot: snapshot,
            details: inputs.auditDetails,
            boundTo: request.confirmation
        )
    }

    /// RFC 8705 §3: the thumbprint a `tls_client_certificate_bound_access_tokens` client's tokens are
    /// bound to: the certificate of this connection, which such a client must present.
    func certificateBinding(_ request: TokenEndpointRequest, tenant: Tenant, client: Client) throws(OAuthError) -> String? {
        guard client.tlsClientCertificateBoundAccessTokens else { return nil }
        guard let certificate = request.clientCertificate else {
            throw .invalidRequest(
                "mtls: client '\(client.id)' gets certificate-bound access tokens: request them over mutual TLS with its client certificate "
                    + "(the mtls_endpoint_aliases token endpoint)"
            )
        }
        return certificate.thumbprint
    }

    /// A refusal because of the token's binding, named for the audit: `dpop` (a DPoP proof or nonce,
    /// RFC 9449) or `mtls` (the client certificate, RFC 8705), with the reason; empty otherwise.
    static func bindingFailureDetails(_ error: OAuthError) -> [String: String] {
        if error.code.hasSuffix("dpop_proof") || error.code == "use_dpop_nonce" { return ["dpop": error.errorDescription] }
        let description = error.auditedDescription
        if description.hasPrefix("mtls: ") { return ["mtls": String(description.dropFirst("mtls: ".count))] }
        return [:]
    }

    /// What the audit may say of a presented certificate: its subject and thumbprint, nothing else.
    static func certificateAuditDetails(_ certificate: ClientCertificate) -> [String: String] {
        ["certificate_subject": Validation.printable(certificate.subjectDN, limit: 256), "certificate_x5t_s256": certificate.thumbprint]
    }

    /// What a client_credentials token carries: the design's claims that need no user (constants,
    /// client attributes, lookups that do not name the user). Shared with the preview.
    func clientCredentialsGrant(
        tenant: Tenant,
        inputs: ClaimInputs,
        scopes: [String],
        audiences: [String],
        snapshot: ConfigSnapshot
    ) throws(OAuthError) -> AccessTokenMinter.Grant {
        let client = inputs.client
        try ClaimResolver.checkRequired(inputs)
        return .init(
            tenant: tenant,
            client: client,
            subject: client.id,
            scopes: scopes,
            audiences: audiences,
            grantType: .clientCredentials,
            lifetime: client.accessTokenLifetime,
            extraClaims: ClaimResolver.accessTokenClaims(inputs),
            introspectionClaims: ClaimResolver.dictionary(ClaimResolver.resolve(.introspection, inputs))
        )
    }

    /// Stores issued tokens with their audit events before anyone sees them.
    func persist(_ records: [TokenRecord], audit: [AuditEventDraft]) async throws(OAuthError) {
        do {
            try await store.record(tokens: records, audit: audit)
        } catch {
            errorLog.error("token not persisted; refusing to hand it out", metadata: ["error": "\(error)"])
            throw .temporarilyUnavailable("the token could not be stored; retry")
        }
    }

    /// The client must be registered for `grant`.
    func requireGrant(_ grant: GrantType, client: Client) throws(OAuthError) {
        guard client.grantTypes.contains(grant) else {
            throw .unauthorizedClient("client '\(client.id)' is not allowed the \(grant.rawValue) grant")
        }
    }
}
