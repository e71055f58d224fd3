import AuthEngine
import Foundation
import JOSE
import SQLiteStore
import TenantYAML
import Testing

/// Token exchange policies and trusted issuers through the store (a second engine on the same file sees
/// them) and from YAML; the exchanged token's lifetime measured with a manual clock.
@Suite("partner grants: store, YAML, lifetimes")
struct PartnerGrantsStoreTests {
    static let yaml = """
        tenant: {id: acme}
        scopes:
          - {name: orders}
          - {name: reports}
        apis:
          - {name: orders, audience: "https://api.acme.example/orders", scopes: [orders]}
        users:
          - {id: u-dana, username: dana, attributes: {email: dana@acme.example}}
        clients:
          - id: orders-api
            name: Orders API
            grant_types: [client_credentials, "urn:ietf:params:oauth:grant-type:token-exchange"]
            scopes: [orders]
            audiences: ["https://api.acme.example/orders"]
            secret: orders-demo-secret
          - id: partner-gateway
            name: Partner gateway
            grant_types: ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            scopes: [orders, reports]
            audiences: ["https://api.acme.example/orders"]
            secret: gateway-demo-secret
        token_exchange_policies:
          - client: orders-api
            audiences: ["https://api.acme.example/ledger"]
            subject_audiences: ["https://api.acme.example/orders"]
        trusted_issuers:
          - issuer: https://idp.partner.example
            key: |
              -----BEGIN PUBLIC KEY-----
              MCowBQYDK2VwAyEAvrbioUapoPqOdk7csYulAHwsrJewHXmiJ+m/zt/bT10=
              -----END PUBLIC KEY-----
            kid: p1
            subject: attribute:email
            scopes: [orders]
            clients: [partner-gateway]
          - issuer: second-idp
            jwks: {keys: [{kty: OKP, crv: Ed25519, x: vrbioUapoPqOdk7csYulAHwsrJewHXmiJ-m_zt_bT10, kid: s1}]}
            subject: pass-through
            subject_prefix: "second|"
            scopes: [reports]
            max_assertion_lifetime: 120
        """

    @Test func yamlDefinesPoliciesAndIssuersThatASecondProcessSees() async throws {
        let fixture = try await Fixture.make(demo: false)
        defer { fixture.cleanup() }
        let report = try await TenantLoader.apply(try TenantLoader.parse(Self.yaml), to: fixture.engine, actor: "test")
        #expect(report.created)
        let (second, _) = try await fixture.secondEngine()
        let policy = try second.tokenExchangePolicy(tenantID: "acme", clientID: "orders-api")
        #expect(policy.targetAudiences == ["https://api.acme.example/ledger"])
        #expect(policy.acceptedSubjectAudiences == ["orders-api", "https://api.acme.example/orders"])
        let issuers = try second.trustedIssuers(tenantID: "acme")
        #expect(issuers.map(\.issuer) == ["https://idp.partner.example", "second-idp"])
        #expect(issuers[0].subjectMapping == .userAttribute(path: "email"))
        #expect(issuers[0].jwks.keys.first?.kid == "p1" && issuers[0].algorithms == [.edDSA])
        #expect(issuers[0].clients == ["partner-gateway"])
        #expect(issuers[1].subjectMapping == .passThrough(prefix: "second|") && issuers[1].maxAssertionLifetime == 120)
        // The PEM and the JWK are the same key.
        #expect(issuers[0].jwks.keys.first?.x == issuers[1].jwks.keys.first?.x)

        // Deleting the client takes its policy with it; deleting the tenant takes the issuers.
        _ = try await fixture.engine.deleteClient(tenantID: "acme", clientID: "orders-api", actor: "test")
        #expect(fixture.engine.config.snapshot.tokenExchangePolicies["acme"]?["orders-api"] == nil)
        _ = try await fixture.engine.deleteTenant("acme", force: true, actor: "test")
        #expect(fixture.engine.config.snapshot.trustedIssuers["acme"] == nil)
    }

    @Test func yamlErrorsNameTheEntry() async throws {
        let fixture = try await Fixture.make(demo: false)
        defer { fixture.cleanup() }
        let both = Self.yaml.replacingOccurrences(of: "    subject: pass-through", with: "    key: '{}'\n    subject: pass-through")
        do {
            _ = try await TenantLoader.apply(try TenantLoader.parse(both), to: fixture.engine, actor: "test")
            Issue.record("an issuer with both jwks and key was accepted")
        } catch {
            #expect(error.field == "trusted_issuers.second-idp")
        }
    }

    @Test func anExchangedTokenNeverOutlivesItsSubjectToken() async throws {
        let fixture = try await Fixture.make(demo: false)
        defer { fixture.cleanup() }
        _ = try await TenantLoader.apply(try TenantLoader.parse(Self.yaml), to: fixture.engine, actor: "test")
        let subject = try await fixture.engine.token(
            TokenEndpointRequest(
                tenantID: "acme",
                form: FormParameters(pairs: [("grant_type", "client_credentials")]),
                authorization: fixture.basic("orders-api", "orders-demo-secret")
            )
        )
        #expect(subject.expiresIn == 300)
        fixture.clock.advance(by: 250)
        let exchanged = try await fixture.engine.token(
            TokenEndpointRequest(
                tenantID: "acme",
                form: FormParameters(pairs: [
                    ("grant_type", GrantType.tokenExchange.rawValue), ("subject_token", subject.accessToken),
                    ("subject_token_type", TokenTypeIdentifier.accessToken),
                ]),
                authorization: fixture.basic("orders-api", "orders-demo-secret")
            )
        )
        #expect(exchanged.expiresIn == 50)
        #expect(exchanged.record.expiresAt == subject.record.expiresAt)
        #expect(exchanged.record.claims["act"] == .object(["sub": .string("orders-api")]))
        #expect(exchanged.issuedTokenType == TokenTypeIdentifier.accessToken)
    }
}
