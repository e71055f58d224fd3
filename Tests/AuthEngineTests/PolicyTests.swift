import Foundation
import Testing

@testable import AuthEngine

@Suite("Scope and audience policies")
struct PolicyTests {
    let client = Client(
        tenantID: "t",
        id: "c",
        spec: ClientSpec(
            name: "C",
            type: .confidential,
            authMethod: .clientSecretBasic,
            grantTypes: [.clientCredentials],
            scopes: ["a", "b"],
            audiences: ["https://api/x", "https://api/y"]
        ),
        createdAt: Date(),
        updatedAt: Date()
    )

    @Test func absentScopeGrantsTheRegisteredOnes() throws {
        #expect(try ScopePolicy.granted(requested: nil, client: client) == ["a", "b"])
    }

    @Test func requestedScopeIsASubsetWithoutDuplicates() throws {
        #expect(try ScopePolicy.granted(requested: "b  b a", client: client) == ["b", "a"])
    }

    @Test(arguments: ["c", "a c", "a\"b", " "])
    func scopeOutsideTheClientIsInvalidScope(requested: String) {
        do {
            _ = try ScopePolicy.granted(requested: requested, client: client)
            Issue.record("expected invalid_scope")
        } catch {
            #expect(error.code == "invalid_scope")
        }
    }

    @Test func defaultAudienceIsTheRegisteredList() throws {
        #expect(
            try AudiencePolicy.resolve(resources: [], audience: nil, client: client, scopes: ["a"], snapshot: ConfigSnapshot()) == [
                "https://api/x", "https://api/y",
            ]
        )
    }

    @Test func resourceAndAudienceNarrow() throws {
        #expect(
            try AudiencePolicy.resolve(resources: ["https://api/y"], audience: nil, client: client, scopes: ["a"], snapshot: ConfigSnapshot()) == [
                "https://api/y"
            ]
        )
        #expect(
            try AudiencePolicy.resolve(resources: [], audience: "https://api/x", client: client, scopes: ["a"], snapshot: ConfigSnapshot()) == [
                "https://api/x"
            ]
        )
    }

    @Test(arguments: [(["https://api/z"], nil), (["not a uri"], nil), (["https://api/x#frag"], nil), ([], "other")] as [([String], String?)])
    func otherAudiencesAreInvalidTarget(resources: [String], audience: String?) {
        do {
            _ = try AudiencePolicy.resolve(resources: resources, audience: audience, client: client, scopes: ["a"], snapshot: ConfigSnapshot())
            Issue.record("expected invalid_target")
        } catch {
            #expect(error.code == "invalid_target")
        }
    }

    @Test func withoutRegisteredAudiencesTheAPIsOfTheScopesApply() throws {
        var open = client
        open.audiences = []
        var snapshot = ConfigSnapshot()
        snapshot.apis["t"] = [
            "x": APIResource(tenantID: "t", name: "x", audience: "https://api/x", scopes: ["a"]),
            "z": APIResource(tenantID: "t", name: "z", audience: "https://api/z", scopes: ["zz"]),
        ]
        #expect(try AudiencePolicy.resolve(resources: [], audience: nil, client: open, scopes: ["a"], snapshot: snapshot) == ["https://api/x"])
        #expect(throws: OAuthError.self) {
            try AudiencePolicy.resolve(resources: ["https://api/z"], audience: nil, client: open, scopes: ["a"], snapshot: snapshot)
        }
        #expect(throws: OAuthError.self) {
            try AudiencePolicy.resolve(resources: [], audience: nil, client: open, scopes: ["b"], snapshot: snapshot)
        }
    }
}
