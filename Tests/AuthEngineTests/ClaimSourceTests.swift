import Foundation
import JOSE
import Testing

@testable import AuthEngine

/// Each claim source and the mapping to destinations, through the resolver issuance uses.
@Suite struct ClaimSourceTests {
    static let t = "acme"
    static let user = User(
        tenantID: t,
        id: "u1",
        username: "ann",
        attributes: [
            "name": .string("Ann Andersson"), "account": .object(["number": .string("42"), "type": .string("business")]),
            "roles": .array([.string("admin")]),
        ],
        createdAt: Date()
    )
    static let client = DesignRulesTests.client("web", scopes: ["read"])
    static let context = AuthContext(authTime: Date(timeIntervalSince1970: 1_800_000_123.7), amr: ["pwd"], acr: nil)

    /// The claim's value, declared of the type its source gives (`type` for the sources that can give any).
    func value(
        _ source: ClaimDefinition.Source,
        _ type: String = "string",
        user: User? = user,
        context: AuthContext? = context,
        external: [String: JSONValue] = [:]
    ) -> JSONValue? {
        ClaimResolver.value(
            of: ClaimDefinition(tenantID: Self.t, name: "c", type: ClaimResolver.fixedType(of: source) ?? type, source: source, scopes: ["read"]),
            ClaimInputs(
                user: user,
                client: Self.client,
                context: context,
                scopes: ["read"],
                snapshot: ConfigSnapshot(),
                external: external
            )
        )
    }

    @Test func everySourceResolvesOrIsLeftOut() {
        #expect(value(.userAttribute(path: "account.number")) == .string("42"))
        #expect(value(.userAttribute(path: "roles"), "array") == .array([.string("admin")]))
        #expect(value(.userAttribute(path: "account.missing")) == nil)
        #expect(value(.userAttribute(path: "account.number"), user: nil) == nil, "no user, no user attribute")
        #expect(value(.clientAttribute(path: "id")) == .string("web"))
        #expect(value(.clientAttribute(path: "type")) == .string("confidential"))
        #expect(value(.constant(.number(3))) == .number(3))
        #expect(value(.template("{account.type}:{account.number}")) == .string("business:42"))
        #expect(value(.template("{account.type}:{account.gone}")) == nil, "never half-filled")
        #expect(value(.authContext("auth_time")) == .number(1_800_000_123))
        #expect(value(.authContext("amr")) == .array([.string("pwd")]))
        #expect(value(.authContext("acr")) == nil)
        #expect(value(.authContext("amr"), context: nil) == nil)
        let lookup = ClaimDefinition.Source.externalLookup(ExternalLookup(url: "https://crm.example/{sub}"))
        #expect(value(lookup, external: ["c": .string("gold")]) == .string("gold"))
        #expect(value(lookup) == nil, "a failed lookup leaves the claim out")
        #expect(lookup.needsUser && !ClaimDefinition.Source.externalLookup(ExternalLookup(url: "https://crm.example/{client_id}")).needsUser)
    }

    @Test func aClaimIsNeverIssuedOfAnotherTypeThanDeclared() throws {
        // Sources whose type is fixed must be declared of it.
        for (source, type, given) in [
            (ClaimDefinition.Source.template("{a}"), "number", "string"), (.constant(.number(1)), "string", "number"),
            (.authContext("auth_time"), "string", "number"), (.authContext("amr"), "string", "array"),
            (.clientAttribute(path: "id"), "boolean", "string"),
        ] {
            let d = TokenDesign(
                scopes: DesignRulesTests.scopes("read"),
                claims: [DesignRulesTests.claim("c", type, source: source, scopes: ["read"])]
            )
            #expect(
                throws: AdminError.invalid(
                    field: "claims.c.type",
                    "its source always gives \(given.withArticle) (\(ClaimResolver.describe(source))); declare type \(given)"
                )
            ) {
                try d.validate()
            }
        }
        let null = TokenDesign(
            scopes: DesignRulesTests.scopes("read"),
            claims: [DesignRulesTests.claim("c", source: .constant(.null), scopes: ["read"])]
        )
        #expect(throws: AdminError.self) { try null.validate() }
        // A user attribute (or a lookup) of another type than declared is left out, and the reason says which types.
        #expect(value(.userAttribute(path: "roles"), "string") == nil)
        #expect(value(.userAttribute(path: "account.number"), "number") == nil)
        #expect(value(.externalLookup(ExternalLookup(url: "https://crm.example/{sub}")), "number", external: ["c": .number(3)]) == .number(3))
        let design = TokenDesign(
            scopes: DesignRulesTests.scopes("read"),
            claims: [DesignRulesTests.claim("roles", "object", source: .userAttribute(path: "roles"), required: true, scopes: ["read"])]
        )
        let inputs = ClaimInputs(
            user: Self.user,
            client: Self.client,
            context: nil,
            scopes: ["read"],
            snapshot: ConfigSnapshot().with(design, tenantID: Self.t)
        )
        #expect(inputs.leftOut.map(\.reason) == ["its value is an array, but the design declares an object"])
        #expect(inputs.auditDetails == ["claims_left_out": "roles: its value is an array, but the design declares an object"])
        #expect(throws: OAuthError.invalidScope("scope 'read' requires claim 'roles', whose value for this user is an array, not an object")) {
            try ClaimResolver.checkRequired(inputs)
        }
    }

    @Test func mappingsDecideDestinationsAndScopes() throws {
        let design = TokenDesign(
            scopes: DesignRulesTests.scopes("read", "write"),
            claims: [
                DesignRulesTests.claim("nbr", source: .userAttribute(path: "account.number"), scopes: ["read"], to: [.accessToken]),
                DesignRulesTests.claim("kind", source: .userAttribute(path: "account.type"), scopes: ["write"], to: [.idToken, .introspection]),
                DesignRulesTests.claim("name", source: .constant(.string("Ann A.")), scopes: ["profile"], to: [.idToken]),
            ]
        )
        let snapshot = ConfigSnapshot().with(design, tenantID: Self.t)
        func inputs(_ scopes: [String], _ snapshot: ConfigSnapshot = snapshot, user: User? = Self.user) -> ClaimInputs {
            ClaimInputs(user: user, client: Self.client, context: Self.context, scopes: scopes, snapshot: snapshot)
        }
        func names(_ d: ClaimDestination, _ scopes: [String]) -> [String] {
            ClaimResolver.resolve(d, inputs(scopes)).map(\.name)
        }
        #expect(names(.accessToken, ["read"]) == ["nbr"])
        #expect(names(.accessToken, ["read", "write"]) == ["nbr"], "kind does not go to the access token")
        #expect(names(.introspection, ["read", "write"]) == ["kind"])
        #expect(names(.idToken, ["read"]) == [])
        // A design claim overrides the standard claim of the same name, and says so.
        let id = ClaimResolver.userClaims(.idToken, inputs(["openid", "profile", "write"]))
        let name = try #require(id.first { $0.name == "name" })
        #expect(name.value == .string("Ann A.") && name.overrode?.hasPrefix("standard claim") == true)
        #expect(id.contains { $0.name == "kind" && $0.scopes == ["write"] })
        // A required claim without a value refuses issuance; with one it passes.
        var required = design
        required.claims[required.claims.firstIndex { $0.name == "kind" }!].isRequired = true
        let strict = ConfigSnapshot().with(required, tenantID: Self.t)
        #expect(throws: OAuthError.self) {
            try ClaimResolver.checkRequired(inputs(["write"], strict, user: User(tenantID: Self.t, id: "u2", username: "bo", createdAt: Date())))
        }
        try ClaimResolver.checkRequired(inputs(["write"], strict))
        try ClaimResolver.checkRequired(inputs(["write"], strict, user: nil))
    }
}
