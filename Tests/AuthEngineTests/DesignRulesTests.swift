import Foundation
import JOSE
import Testing

@testable import AuthEngine

/// The design's pure rules: validation, the contract diff and its breaking-change gate, the lint.
@Suite struct DesignRulesTests {
    static let t = "acme"
    static func claim(
        _ name: String,
        _ type: String = "string",
        source: ClaimDefinition.Source = .userAttribute(path: "x"),
        pii: Bool = false,
        required: Bool = false,
        scopes: [String],
        to destinations: [ClaimDestination] = ClaimDestination.defaults
    ) -> ClaimDefinition {
        ClaimDefinition(
            tenantID: t,
            name: name,
            type: type,
            source: source,
            isPII: pii,
            isRequired: required,
            scopes: scopes,
            destinations: destinations
        )
    }
    static func api(_ name: String, scopes: [String], requires: [String: [String]] = [:], audience: String? = nil) -> APIResource {
        APIResource(tenantID: t, name: name, audience: audience ?? "https://api.example/\(name)", scopes: scopes, requiredClaims: requires)
    }
    static func client(
        _ id: String,
        scopes: [String],
        grants: [GrantType] = [.authorizationCode],
        format: TokenFormat = .jwt,
        thirdParty: Bool = false,
        audiences: [String] = [],
        lifetime: Int = 300,
        refreshAbsolute: Int = 86_400
    ) -> Client {
        Client(
            tenantID: t,
            id: id,
            spec: ClientSpec(
                name: id,
                type: .confidential,
                authMethod: .clientSecretBasic,
                grantTypes: grants,
                scopes: scopes,
                audiences: audiences,
                tokenFormat: format,
                accessTokenLifetime: lifetime,
                thirdParty: thirdParty,
                refreshTokenAbsoluteLifetime: refreshAbsolute
            ),
            createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: Date(timeIntervalSince1970: 0)
        )
    }
    static func scopes(_ names: String...) -> [ScopeDefinition] { names.map { ScopeDefinition(tenantID: t, name: $0) } }

    /// orders: read -> account (required by the orders API), segment; an info API without requirements.
    /// (A design keeps its APIs sorted by name: apis[0] is info, apis[1] is orders.)
    static let base = TokenDesign(
        scopes: scopes("read", "write"),
        claims: [claim("account", scopes: ["read", "write"]), claim("segment", scopes: ["read"])],
        apis: [api("orders", scopes: ["read", "write"], requires: ["read": ["account"]]), api("info", scopes: ["read"])]
    )

    // MARK: validation

    @Test func validationNamesTheFieldAndTheFix() throws {
        try Self.base.validate()
        func refusal(_ d: TokenDesign) -> AdminError? {
            do {
                try d.validate()
                return nil
            } catch { return error }
        }
        var d = Self.base
        d.claims.append(Self.claim("sub", scopes: ["read"]))
        #expect(refusal(d)?.field == "claims.sub" && refusal(d)?.message.contains("set by the server") == true)
        d = Self.base
        d.claims.append(Self.claim("z", scopes: ["nope"]))
        #expect(refusal(d)?.field == "claims.z.scopes" && refusal(d)?.message.contains("'nope' is not defined") == true)
        d = Self.base
        d.claims.append(Self.claim("z", "integer", scopes: ["read"]))
        #expect(refusal(d)?.field == "claims.z.type")
        d = Self.base
        d.claims.append(Self.claim("z", source: .externalLookup(ExternalLookup(url: "https://x.example/{password}")), scopes: ["read"]))
        #expect(refusal(d)?.field == "claims.z.external.url")
        d = Self.base
        d.claims.append(Self.claim("z", source: .externalLookup(ExternalLookup(url: "ftp://x.example/")), scopes: ["read"]))
        #expect(refusal(d)?.field == "claims.z.external.url")
        d = Self.base
        d.claims.append(
            Self.claim("z", source: .externalLookup(ExternalLookup(url: "https://x.example/{sub}", timeoutMilliseconds: 0)), scopes: ["read"])
        )
        #expect(refusal(d)?.field == "claims.z.external.timeout_ms")
        d = Self.base
        d.apis[1].requiredClaims["read"] = ["ghost"]
        #expect(refusal(d)?.field == "apis.orders.required_claims.read")
        d = Self.base
        d.apis[0].audience = d.apis[1].audience
        #expect(refusal(d)?.message.contains("another API's audience") == true)
        d = Self.base
        d.claims.append(Self.claim("account", scopes: ["read"]))
        #expect(refusal(d)?.message.contains("defined twice") == true)
        // Standard OpenID scopes may be mapped without being defined.
        d = Self.base
        d.claims.append(Self.claim("nickname", scopes: ["profile"], to: [.idToken]))
        try d.validate()
    }

    // MARK: diff and gate

    @Test func unchangedDesignHasAnEmptyDiff() {
        let d = DesignDiff.between(Self.base, Self.base)
        #expect(d.isEmpty && d.breaking.isEmpty && d.text() == "no changes")
    }

    @Test func diffIsPerScopeAndDestination() {
        var new = Self.base
        new.claims[1].destinations = [.accessToken, .introspection, .idToken]  // segment also to the ID token
        new.claims.append(Self.claim("tier", "number", source: .constant(.number(1)), scopes: ["write"], to: [.accessToken]))
        let d = DesignDiff.between(Self.base, TokenDesign(scopes: new.scopes, claims: new.claims, apis: new.apis))
        #expect(d.claimChanges.contains { $0.scope == "read" && $0.destination == .idToken && $0.claim == "segment" && $0.kind == .added })
        #expect(d.claimChanges.contains { $0.scope == "write" && $0.destination == .accessToken && $0.claim == "tier" && $0.kind == .added })
        #expect(!d.claimChanges.contains { $0.claim == "account" })
        #expect(d.otherChanges.contains { $0.hasPrefix("claim tier added") })
        #expect(d.breaking.isEmpty, "adding is never breaking")
    }

    @Test func removingARequiredClaimIsBreakingAndNamesTheAPI() {
        var new = Self.base
        new.claims[0].scopes = ["write"]  // account no longer under read, which orders requires
        let d = DesignDiff.between(Self.base, new)
        #expect(d.claimChanges.contains { $0.scope == "read" && $0.claim == "account" && $0.kind == .removed })
        #expect(d.affectedAPIs == ["orders"])
        #expect(d.breaking.count == 2, "access token and introspection: \(d.breaking)")
        #expect(d.text().contains("BREAKING (APIs affected: orders)"))
        // Removing a claim nobody requires is not breaking.
        var other = Self.base
        other.claims.remove(at: 1)
        #expect(DesignDiff.between(Self.base, other).breaking.isEmpty)
    }

    @Test func retypingARequiredClaimIsBreakingChangingItsSourceIsNot() {
        var retyped = Self.base
        retyped.claims[0].type = "number"
        #expect(DesignDiff.between(Self.base, retyped).affectedAPIs == ["orders"])
        var resourced = Self.base
        resourced.claims[0].source = .template("{a}-{b}")
        let d = DesignDiff.between(Self.base, resourced)
        #expect(d.breaking.isEmpty)
        #expect(d.claimChanges.contains { $0.kind == .changed && $0.detail.contains("source") })
    }

    @Test func narrowingAnAudienceIsBreaking() {
        var removed = Self.base
        removed.apis.removeAll { $0.name == "info" }
        #expect(DesignDiff.between(Self.base, removed).affectedAPIs == ["info"])
        var moved = Self.base
        moved.apis[0].audience = "https://elsewhere.example"
        #expect(DesignDiff.between(Self.base, moved).breaking.first?.message.contains("audience changes") == true)
        var narrowed = Self.base
        narrowed.apis[1].scopes = ["read"]
        #expect(DesignDiff.between(Self.base, narrowed).breaking.contains { $0.message.contains("no longer accepts scope write") })
        let client = DesignDiff.between(Self.base, Self.base, clientAudiences: ["web": (before: ["https://api.example/orders"], after: [])])
        #expect(client.affectedAPIs == ["orders"] && client.otherChanges.contains { $0.contains("client web") })
    }

    @Test func relaxingAContractIsNotBreaking() {
        var relaxed = Self.base
        relaxed.apis[1].requiredClaims = [:]
        let d = DesignDiff.between(Self.base, relaxed)
        #expect(d.breaking.isEmpty && d.otherChanges.contains { $0.contains("API orders: required claims") })
        // ... and the gate judges against the live contract: dropping the claim in the same change still breaks it.
        relaxed.claims.removeAll { $0.name == "account" }
        #expect(DesignDiff.between(Self.base, relaxed).affectedAPIs == ["orders"])
    }

    // MARK: lint

    func rules(_ design: TokenDesign, _ clients: [Client], sizes: [String: Int] = [:]) -> [String] {
        DesignLint.run(design, clients: clients, tokenBytes: sizes).map(\.rule)
    }

    @Test func aCleanDesignLintsClean() {
        let clients = [Self.client("web", scopes: ["read", "write"])]
        #expect(rules(Self.base, clients) == [])
        #expect(DesignLint.text([]) == "lint: clean")
    }

    @Test func personalDataInAccessTokensOfClientsThatDoNotNeedIt() {
        var d = Self.base
        d.claims.append(Self.claim("email-address", pii: true, scopes: ["write"]))
        let findings = DesignLint.run(
            d,
            clients: [Self.client("web", scopes: ["read", "write"]), Self.client("svc", scopes: ["write"], grants: [.clientCredentials])]
        )
        let f = findings.filter { $0.rule == "pii-in-access-token" }
        #expect(f.count == 1 && f[0].subject == "client web" && f[0].severity == .warning && f[0].fix.contains("id_token/userinfo"))
        // Required by the API the client calls: needed, no finding.
        d.apis[1].requiredClaims["write"] = ["email-address"]
        #expect(!rules(d, [Self.client("web", scopes: ["read", "write"])]).contains("pii-in-access-token"))
        // Only to the ID token: fine.
        var idOnly = Self.base
        idOnly.claims.append(Self.claim("email-address", pii: true, scopes: ["write"], to: [.idToken, .userinfo]))
        #expect(!rules(idOnly, [Self.client("web", scopes: ["read", "write"])]).contains("pii-in-access-token"))
    }

    @Test func clientRules() {
        let third = Self.client("app", scopes: ["read"], thirdParty: true)
        #expect(rules(Self.base, [third]).contains("third-party-jwt"))
        #expect(!rules(Self.base, [Self.client("app", scopes: ["read"], format: .opaque, thirdParty: true)]).contains("third-party-jwt"))
        #expect(rules(Self.base, [Self.client("web", scopes: ["read"])], sizes: ["web": 4000]).contains("token-size"))
        #expect(!rules(Self.base, [Self.client("web", scopes: ["read"])], sizes: ["web": 900]).contains("token-size"))
        #expect(rules(Self.base, [Self.client("web", scopes: ["read"], lifetime: 86_400)]).contains("access-token-lifetime"))
        #expect(
            rules(Self.base, [Self.client("web", scopes: ["read"], grants: [.authorizationCode, .refreshToken], refreshAbsolute: 365 * 86_400)])
                .contains("refresh-token-lifetime")
        )
        #expect(
            !rules(Self.base, [Self.client("web", scopes: ["read"], grants: [.authorizationCode], refreshAbsolute: 365 * 86_400)])
                .contains("refresh-token-lifetime"),
            "no refresh grant, no refresh tokens"
        )
        var required = Self.base
        required.claims[0].isRequired = true
        #expect(rules(required, [Self.client("svc", scopes: ["read"], grants: [.clientCredentials])]).contains("required-user-claim-service"))
        // Disabled clients are not linted.
        var disabled = third
        disabled.disabled = true
        #expect(rules(Self.base, [disabled]) == [])
    }

    @Test func sensitiveScopesWithBearerTokens() {
        var d = Self.base
        d.scopes[1].sensitive = true
        let bearer = Self.client("web", scopes: ["read", "write"])
        let f = DesignLint.run(d, clients: [bearer]).filter { $0.rule == "sensitive-scope-bearer" }
        // `write` is marked sensitive; `read` is not.
        #expect(f.count == 1 && f[0].subject == "client web" && f[0].severity == .warning, "\(f)")
        #expect(f[0].message.contains("sensitive scopes (write)") && f[0].fix.contains("--profile fapi2"))
        #expect(!rules(Self.base, [bearer]).contains("sensitive-scope-bearer"))
        #expect(!rules(d, [Self.client("web", scopes: ["read"])]).contains("sensitive-scope-bearer"))
        // Sender-constrained by DPoP or by the client certificate (as every fapi2 client is): no finding.
        for bind in [\ClientSpec.dpopBoundAccessTokens, \ClientSpec.tlsClientCertificateBoundAccessTokens] {
            var bound = bearer
            bound.spec[keyPath: bind] = true
            #expect(!rules(d, [bound]).contains("sensitive-scope-bearer"))
        }
    }

    @Test func mappingAndContractRules() {
        var d = Self.base
        d.scopes.append(ScopeDefinition(tenantID: Self.t, name: "bare"))
        d.claims.append(Self.claim("orphan", scopes: []))
        d.apis[1].requiredClaims["write"] = ["segment"]  // segment is mapped under read only
        d.claims.append(
            Self.claim("ext", source: .externalLookup(ExternalLookup(url: "http://crm.example/{sub}")), pii: true, scopes: ["read"], to: [.idToken])
        )
        let findings = DesignLint.run(d, clients: [])
        #expect(
            findings.map(\.rule) == ["api-requirement-undelivered", "external-lookup-cleartext", "claim-unmapped", "scope-maps-no-claim"],
            "sorted by severity: \(findings.map(\.rule))"
        )
        #expect(findings[0].severity == .error && findings[0].message.contains("'segment' under scope write"))
        #expect(findings[1].severity == .error, "personal data over cleartext")
        #expect(findings.allSatisfy { !$0.fix.isEmpty })
    }

    // MARK: external lookup URLs

    @Test func lookupURLsArePercentEncodedAndNeedTheirValues() {
        let user = User(tenantID: Self.t, id: "u 1/é", username: "ann", attributes: ["crm": .object(["id": .string("a&b")])], createdAt: Date())
        let client = Self.client("web", scopes: [])
        #expect(
            ExternalClaimLookup.fill("https://crm.example/{tenant}/{sub}?c={client_id}&k={user.crm.id}", tenantID: Self.t, user: user, client: client)
                == "https://crm.example/acme/u%201%2F%C3%A9?c=web&k=a%26b"
        )
        #expect(ExternalClaimLookup.fill("https://crm.example/{user.missing}", tenantID: Self.t, user: user, client: client) == nil)
        #expect(ExternalClaimLookup.fill("https://crm.example/{sub}", tenantID: Self.t, user: nil, client: client) == nil)
    }
}
