import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 6749 section 5.2 (and 4.1.2.1 for redirects): error_description "MUST NOT include characters
/// outside the set %x20-21 / %x23-5B / %x5D-7E". Every endpoint gets input with a snowman, a quote and
/// a backslash in what it echoes, and every description it answers is checked byte by byte.
@Suite("error descriptions within RFC 6749's characters")
struct ErrorDescriptionCharsetTests {
    static let nasty = "\u{2603}\"\\"

    static func allowed(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { s in
            s.value == 0x20 || s.value == 0x21 || (0x23...0x5B).contains(s.value) || (0x5D...0x7E).contains(s.value)
        }
    }

    /// The JSON body's description, which must exist and be within the set.
    func expectAllowed(_ result: HTTPResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let description = try #require(try result.json()["error_description"]?.stringValue, "\(what): \(result)", sourceLocation: sourceLocation)
        #expect(Self.allowed(description), "\(what): \(description)", sourceLocation: sourceLocation)
    }

    @Test("the escaping: server typography as ASCII, anything else outside the set as %XX of its UTF-8")
    func wireText() {
        #expect(
            OAuthError.wireText("scope '\u{2603}' is not allowed (RFC 6749 \u{00A7}3.3)\u{2026}")
                == "scope '%E2%98%83' is not allowed (RFC 6749 section 3.3)..."
        )
        #expect(OAuthError.wireText("a \"quoted\" back\\slash") == "a %22quoted%22 back%5Cslash")
        #expect(OAuthError.wireText("tab\tnewline\n\u{7F}") == "tab newline  ")
        #expect(
            OAuthError.wireText("plain ASCII stays: !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~")
                == "plain ASCII stays: !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"
        )
        #expect(Self.allowed(OAuthError.wireText(String((0..<0x3000).compactMap { Unicode.Scalar($0).map(Character.init) }))))
    }

    @Test("token, introspection, revocation, device authorization and registration: every description in the set")
    func endpointBodies() async throws {
        try await TestServer.with { server in
            let n = Self.nasty
            try expectAllowed(try await server.tokenRequest([("grant_type", n)], basic: .billing), "grant_type")
            try expectAllowed(try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", n)], basic: .billing), "scope")
            try expectAllowed(
                try await server.tokenRequest([("grant_type", "client_credentials"), ("client_id", "no" + n), ("client_secret", "x")]),
                "client_id"
            )
            try expectAllowed(
                try await server.tokenRequest(
                    [("grant_type", "authorization_code"), ("code", n), ("redirect_uri", n)],
                    basic: DemoClient(id: "customer-portal", secret: "portal-demo-secret", method: .clientSecretBasic)
                ),
                "code"
            )
            try expectAllowed(
                try await server.tokenRequest([("grant_type", "refresh_token"), ("refresh_token", n)], basic: .billing),
                "refresh_token"
            )
            try expectAllowed(try await server.tokenRequest([("grant_type", "client_credentials"), ("audience", n)], basic: .billing), "audience")
            try expectAllowed(try await server.tokenRequest([("grant_type", "client_credentials"), ("resource", n)], basic: .billing), "resource")
            try expectAllowed(
                try await server.postForm("/sms/introspect", [("token", "x"), ("token_type_hint", n)], basic: .apiGateway.withSecret(n)),
                "introspection caller"
            )
            try expectAllowed(try await server.postForm("/sms/introspect", [("token", n), ("token", n)], basic: .apiGateway), "introspection token")
            try expectAllowed(
                try await server.postForm("/sms/revoke", [("token", n), ("token_type_hint", n), ("token", "2")], basic: .billing),
                "revocation"
            )
            try expectAllowed(try await server.postForm("/sms/device_authorization", [("client_id", n)]), "device client_id")
            try expectAllowed(try await server.postForm("/sms/device_authorization", [("client_id", "shop-terminal"), ("scope", n)]), "device scope")
            try expectAllowed(
                try await server.send(.POST, "/sms/register", body: Array("{}".utf8), headers: [("Authorization", "Bearer " + n)]),
                "registration token"
            )
            let (token, _) = try await server.engine.createRegistrationToken(tenantID: "sms", lifetime: 600, uses: 5, actor: "test")
            let metadata = #"{"client_name": "x", "redirect_uris": ["\#(n)"], "grant_types": ["\#(n)"], "token_endpoint_auth_method": "\#(n)"}"#
            try expectAllowed(
                try await server.send(
                    .POST,
                    "/sms/register",
                    body: Array(metadata.utf8),
                    headers: [("Authorization", "Bearer " + token), ("Content-Type", "application/json")]
                ),
                "registration metadata"
            )
            try expectAllowed(try await server.get("/nosuch/%E2%98%83%22%5C"), "not found")
            try expectAllowed(try await server.get("/no%E2%98%83/token"), "unknown tenant")
        }
    }

    @Test("an authorization error redirect and userinfo's WWW-Authenticate: the description in the set")
    func redirectsAndChallenges() async throws {
        try await TestServer.with { server in
            let query = FormEncoding.encode([
                ("response_type", "code"), ("client_id", "customer-portal"), ("redirect_uri", "http://127.0.0.1:8765/callback"),
                ("scope", "openid " + Self.nasty), ("state", "s"), ("code_challenge", String(repeating: "a", count: 43)),
                ("code_challenge_method", "S256"),
            ])
            let answer = try await server.get("/sms/authorize?" + query)
            let location = try #require(answer.header("location"), "\(answer)")
            let items = try #require(URLComponents(string: location)?.queryItems)
            let description = try #require(items.first { $0.name == "error_description" }?.value)
            #expect(Self.allowed(description), "\(description)")
            #expect(description.contains("%E2%98%83"), "the echoed scope is escaped, not dropped: \(description)")

            let info = try await server.get("/sms/userinfo", headers: [("Authorization", "Bearer not-a-token")])
            #expect(info.status == 401)
            let challenge = try #require(info.header("www-authenticate"))
            let quoted = try #require(challenge.split(separator: "error_description=\"").last?.dropLast())
            #expect(Self.allowed(String(quoted)), "\(challenge)")
        }
    }
}
