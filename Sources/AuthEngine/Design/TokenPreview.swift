import Foundation
import JOSE

/// What to preview: a client, optionally a user (none: client_credentials), scopes and audiences.
public struct PreviewRequest: Sendable, Hashable {
    public var tenantID: String
    public var clientID: String
    /// User id or username; nil previews a client_credentials token.
    public var user: String?
    /// Space-separated; nil: the client's registered scopes.
    public var scope: String?
    public var audiences: [String]

    public init(tenantID: String, clientID: String, user: String? = nil, scope: String? = nil, audiences: [String] = []) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.user = user
        self.scope = scope
        self.audiences = audiences
    }
}

/// Exactly what each destination would contain, produced by the code that issues real tokens, with
/// where every claim of the tenant's design came from. Token strings are never returned: a preview
/// must not hand out a usable token.
public struct TokenPreview: Sendable {
    public var clientID: String
    public var subject: String
    public var grantType: GrantType
    public var scopes: [String]
    public var audiences: [String]
    public var accessTokenFormat: TokenFormat
    /// The JWT payload (nil for an opaque token: see `introspection`).
    public var accessToken: [String: JSONValue]?
    public var accessTokenBytes: Int
    public var idToken: [String: JSONValue]?
    public var idTokenBytes: Int?
    public var userinfo: [String: JSONValue]?
    public var introspection: [String: JSONValue]
    /// The design's claims per destination, with provenance.
    public var provenance: [ClaimDestination: [ResolvedClaim]]
    public var warnings: [String]
    /// How the client's real access tokens are bound (`TokenRecord.bindingName`'s words: `dpop`,
    /// `mtls`, `dpop+mtls`), or `bearer` when a request need not bind them (a DPoP proof still would).
    public var binding: String = "bearer"

    /// Stands in the preview's `cnf` for the thumbprint a real request binds the token to (the DPoP
    /// key's, the client certificate's): as long as a real one (43 characters), so sizes stay true.
    public static let thumbprintStandIn = "(preview: the thumbprint goes here)".padding(toLength: 43, withPad: "-", startingAt: 0)

    /// Claims that differ from token to token (times, ids, hashes), for comparing a preview with a real token.
    public static let volatileClaims: Set<String> = ["iat", "exp", "nbf", "jti", "auth_time", "at_hash", "nonce", "sid"]

    public func json() -> JSONValue {
        var o: [String: JSONValue] = [
            "client_id": .string(clientID), "sub": .string(subject), "grant_type": .string(grantType.rawValue),
            "scopes": .array(scopes.map(JSONValue.string)), "audiences": .array(audiences.map(JSONValue.string)),
            "access_token": .object([
                "format": .string(accessTokenFormat.rawValue), "bytes": .number(Double(accessTokenBytes)),
                "claims": accessToken.map(JSONValue.object) ?? .null,
            ]),
            "introspection": .object(introspection),
            "warnings": .array(warnings.map(JSONValue.string)),
            "binding": .string(binding),
        ]
        if let idToken { o["id_token"] = .object(["bytes": .number(Double(idTokenBytes ?? 0)), "claims": .object(idToken)]) }
        if let userinfo { o["userinfo"] = .object(userinfo) }
        var p: [String: JSONValue] = [:]
        for (destination, claims) in provenance {
            p[destination.rawValue] = .array(
                claims.map { c in
                    var entry: [String: JSONValue] = [
                        "claim": .string(c.name), "value": c.value, "source": .string(c.source),
                        "scopes": .array(c.scopes.map(JSONValue.string)),
                    ]
                    if let overrode = c.overrode { entry["overrode"] = .string(overrode) }
                    return .object(entry)
                }
            )
        }
        o["provenance"] = .object(p)
        return .object(o)
    }
}

extension ClaimdeckEngine {
    /// Previews the tokens a client would get, by running the issuance code without storing anything.
    /// - Parameter design: a design to preview instead of the live one (a draft being edited).
    public func previewTokens(_ r: PreviewRequest, design: TokenDesign? = nil) async throws(AdminError) -> TokenPreview {
        var snapshot = config.snapshot
        if let design { snapshot = snapshot.with(design.owned(by: r.tenantID), tenantID: r.tenantID) }
        return try await previewTokens(r, snapshot: snapshot)
    }

    func previewTokens(_ r: PreviewRequest, snapshot: ConfigSnapshot) async throws(AdminError) -> TokenPreview {
        guard let tenant = snapshot.tenants[r.tenantID] else { throw .notFound("no tenant '\(Validation.printable(r.tenantID))'") }
        guard let client = snapshot.client(r.tenantID, r.clientID) else { throw .noClient(tenantID: r.tenantID, clientID: r.clientID) }
        let issuer = configuration.issuer(for: tenant.id)
        do throws(OAuthError) {
            let scopes = try ScopePolicy.granted(requested: r.scope, client: client)
            let audiences = try AudiencePolicy.resolve(
                resources: [],
                audience: r.audiences.isEmpty ? nil : r.audiences.joined(separator: " "),
                client: client,
                scopes: scopes,
                snapshot: snapshot,
                fallback: scopes.contains(StandardScopes.openid) ? [issuer + "/userinfo"] : []
            )
            var warnings: [String] = []
            // What a real request of this client binds its token to: the preview shows `cnf` with a stand-in.
            let confirmation = TokenConfirmation(
                keyThumbprint: client.dpopBoundAccessTokens ? TokenPreview.thumbprintStandIn : nil,
                certificateThumbprint: client.tlsClientCertificateBoundAccessTokens ? TokenPreview.thumbprintStandIn : nil
            )
            let token: String
            let record: TokenRecord
            let grantType: GrantType
            var idToken: String?
            var user: User?
            let inputs: ClaimInputs
            if let name = r.user {
                let u = try await self.user(tenantIDForPreview: tenant.id, name)
                user = u
                grantType = client.grantTypes.first { GrantType.userGrants.contains($0) } ?? .authorizationCode
                if !client.grantTypes.contains(where: { GrantType.userGrants.contains($0) }) {
                    warnings.append("client '\(client.id)' has no grant in which a user signs in; it cannot get this token")
                }
                let now = clock.now()
                let authorization = UserAuthorization(
                    userID: u.id,
                    scopes: scopes,
                    audiences: audiences,
                    familyID: "preview",
                    familyExpiresAt: now.addingTimeInterval(TimeInterval(client.refreshTokenAbsoluteLifetime)),
                    sessionID: nil,
                    authTime: now,
                    amr: ["pwd"]
                )
                let issued = try await UserTokenIssuer(engine: self).issue(
                    authorization,
                    user: u,
                    accessScopes: scopes,
                    tenant: tenant,
                    client: client,
                    grantType: grantType,
                    nonce: nil,
                    confirmation: confirmation,
                    snapshot: snapshot
                )
                token = issued.response.accessToken
                record = issued.response.record
                idToken = issued.response.idToken
                inputs = issued.inputs
            } else {
                grantType = .clientCredentials
                if !client.grantTypes.contains(.clientCredentials) {
                    warnings.append("client '\(client.id)' is not allowed client_credentials; give --user to preview a user's token")
                }
                inputs = try await claimInputs(user: nil, client: client, context: nil, scopes: scopes, snapshot: snapshot)
                var grant = try clientCredentialsGrant(tenant: tenant, inputs: inputs, scopes: scopes, audiences: audiences, snapshot: snapshot)
                grant.confirmation = confirmation
                (token, record) = try AccessTokenMinter(engine: self).mint(grant, snapshot: snapshot)
            }
            let introspection = IntrospectionResult(active: true, record: record, caller: client, issuer: issuer).json()
            var provenance: [ClaimDestination: [ResolvedClaim]] = [
                .accessToken: ClaimResolver.resolve(.accessToken, inputs),
                .introspection: ClaimResolver.resolve(.introspection, inputs),
            ]
            warnings += inputs.leftOut.map { "claim '\($0.claim)' left out: \($0.reason)" }
            var userinfo: [String: JSONValue]?
            if let user, scopes.contains(StandardScopes.openid) {
                provenance[.idToken] = ClaimResolver.userClaims(.idToken, inputs)
                var userinfoInputs = inputs
                userinfoInputs.context = nil  // userinfo is answered later, without the sign-in's context
                let info = ClaimResolver.userClaims(.userinfo, userinfoInputs)
                provenance[.userinfo] = info
                userinfo = ClaimResolver.dictionary(info).merging(["sub": .string(user.id)]) { $1 }
            }
            let accessClaims = JWS.parse(token)?.payload
            warnings += Self.previewWarnings(
                client: client,
                scopes: scopes,
                audiences: audiences,
                carried: accessClaims ?? record.publicClaims,
                tokenBytes: token.utf8.count,
                snapshot: snapshot
            )
            return TokenPreview(
                clientID: client.id,
                subject: record.subject,
                grantType: grantType,
                scopes: scopes,
                audiences: audiences,
                accessTokenFormat: record.format,
                accessToken: accessClaims,
                accessTokenBytes: token.utf8.count,
                idToken: idToken.flatMap { JWS.parse($0)?.payload },
                idTokenBytes: idToken?.utf8.count,
                userinfo: userinfo,
                introspection: (try? JSONValue(parsing: Data(introspection)))?.objectValue ?? [:],
                provenance: provenance,
                warnings: warnings,
                binding: confirmation?.auditName ?? "bearer"
            )
        } catch {
            throw .invalid(
                field: error.code == "invalid_target" ? "audience" : error.code == "invalid_scope" ? "scope" : "request",
                error.errorDescription
            )
        }
    }

    /// A user by id or username, as an OAuth error (the preview runs inside issuance code).
    private func user(tenantIDForPreview tenantID: String, _ idOrUsername: String) async throws(OAuthError) -> User {
        do {
            return try await user(tenantID: tenantID, idOrUsername)
        } catch {
            throw OAuthError(code: "invalid_request", description: error.message)
        }
    }

    static let tokenSizeBudget = 2048

    static func previewWarnings(
        client: Client,
        scopes: [String],
        audiences: [String],
        carried: [String: JSONValue],
        tokenBytes: Int,
        snapshot: ConfigSnapshot
    ) -> [String] {
        var warnings: [String] = []
        for api in (snapshot.apis[client.tenantID] ?? [:]).values.sorted(by: { $0.name < $1.name }) where audiences.contains(api.audience) {
            for scope in scopes {
                for claim in api.requiredClaims[scope] ?? [] where carried[claim] == nil {
                    warnings.append("API '\(api.name)' requires claim '\(claim)' under scope '\(scope)', but this token does not carry it")
                }
            }
        }
        if tokenBytes > tokenSizeBudget {
            warnings.append("the access token is \(tokenBytes) bytes, over the \(tokenSizeBudget)-byte budget")
        }
        if client.thirdParty && client.tokenFormat == .jwt {
            warnings.append("third-party client '\(client.id)' gets readable JWT access tokens; consider opaque tokens and the phantom-token pattern")
        }
        return warnings
    }
}
