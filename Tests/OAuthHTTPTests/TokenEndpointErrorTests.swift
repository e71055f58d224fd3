import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// Issue #2 item 8: every failure of the token endpoint is an RFC 6749 §5.2 JSON error with the right
/// status (400, or 401 with WWW-Authenticate when client authentication fails), never a 500.
@Suite("token endpoint errors")
struct TokenEndpointErrorTests {
    static let grant = [("grant_type", "client_credentials")]

    @Test("wrong secret: 401 invalid_client with a Basic challenge")
    func wrongSecret() async throws {
        try await TestServer.with { server in
            let basic = try await server.tokenRequest(Self.grant, basic: DemoClient.billing.withSecret("not-the-secret"))
            expectOAuthError(basic, status: 401, code: "invalid_client")
            #expect(basic.header("WWW-Authenticate")?.lowercased().hasPrefix("basic") == true, "\(basic.headers)")
            let post = try await server.tokenRequest(Self.grant + DemoClient.partnerPortal.withSecret("not-the-secret").postParameters)
            expectOAuthError(post, status: 401, code: "invalid_client")
            // An empty secret is no secret.
            let empty = try await server.tokenRequest(Self.grant, basic: DemoClient.billing.withSecret(""))
            expectOAuthError(empty, status: 401, code: "invalid_client")
        }
    }

    @Test("unknown client: 401 invalid_client")
    func unknownClient() async throws {
        try await TestServer.with { server in
            let ghost = DemoClient(id: "no-such-client", secret: "whatever", method: .clientSecretBasic)
            expectOAuthError(try await server.tokenRequest(Self.grant, basic: ghost), status: 401, code: "invalid_client")
            expectOAuthError(try await server.tokenRequest(Self.grant + ghost.postParameters), status: 401, code: "invalid_client")
            // A client of the tenant is not a client of another tenant.
            _ = try await server.engine.createTenant(id: "other", actor: "test")
            let elsewhere = try await server.postForm("/other/token", Self.grant, basic: .billing)
            expectOAuthError(elsewhere, status: 401, code: "invalid_client")
        }
    }

    @Test("no client authentication at all: 401 invalid_client")
    func noAuthentication() async throws {
        try await TestServer.with { server in
            expectOAuthError(try await server.tokenRequest(Self.grant), status: 401, code: "invalid_client")
            // A confidential client naming itself without its secret does not authenticate.
            expectOAuthError(try await server.tokenRequest(Self.grant + [("client_id", "billing-service")]), status: 401, code: "invalid_client")
        }
    }

    @Test("disabled client: 401 invalid_client, and it works again once enabled")
    func disabledClient() async throws {
        try await TestServer.with { server in
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "test")
            expectOAuthError(try await server.tokenRequest(Self.grant, basic: .billing), status: 401, code: "invalid_client")
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: false, actor: "test")
            #expect(try await server.tokenRequest(Self.grant, basic: .billing).status == 200)
        }
    }

    @Test("a client registered for client_secret_basic that posts its secret: 401 invalid_client")
    func wrongAuthenticationMethod() async throws {
        try await TestServer.with { server in
            let basicClientPosting = try await server.tokenRequest(Self.grant + DemoClient.billing.postParameters)
            expectOAuthError(basicClientPosting, status: 401, code: "invalid_client")
        }
    }

    @Test("RFC 6749 section 2.3.1: Basic works for every client with a secret, also one registered for client_secret_post")
    func basicForEveryClientWithASecret() async throws {
        try await TestServer.with { server in
            let postClientUsingBasic = try await server.tokenRequest(Self.grant, basic: .partnerPortal)
            #expect(postClientUsingBasic.status == 200, "\(postClientUsingBasic)")
            #expect(try postClientUsingBasic.json()["access_token"] != nil)
            // Still its own secret only.
            let wrong = try await server.tokenRequest(Self.grant, basic: DemoClient.partnerPortal.withSecret("guess"))
            expectOAuthError(wrong, status: 401, code: "invalid_client")
            // And a client that has no secret at all still cannot present one.
            let publicClient = try await server.tokenRequest(Self.grant, basic: DemoClient(id: "budget-app", secret: "x", method: .clientSecretBasic))
            expectOAuthError(publicClient, status: 401, code: "invalid_client")
        }
    }

    @Test("unknown grant type: 400 unsupported_grant_type")
    func unknownGrantType() async throws {
        try await TestServer.with { server in
            for grant in ["password", "urn:example:nonsense", "urn:ietf:params:oauth:grant-type:saml2-bearer"] {
                let result = try await server.tokenRequest([("grant_type", grant)], basic: .billing)
                expectOAuthError(result, status: 400, code: "unsupported_grant_type")
            }
        }
    }

    @Test("missing grant_type: 400 invalid_request")
    func missingGrantType() async throws {
        try await TestServer.with { server in
            expectOAuthError(try await server.tokenRequest([("scope", "invoice-read")], basic: .billing), status: 400, code: "invalid_request")
            // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
            expectOAuthError(try await server.tokenRequest([("grant_type", "")], basic: .billing), status: 400, code: "invalid_request")
            expectOAuthError(try await server.tokenRequest([], basic: .billing), status: 400, code: "invalid_request")
        }
    }

    @Test("repeated parameters: 400 invalid_request (RFC 6749 §3.1)")
    func repeatedParameters() async throws {
        try await TestServer.with { server in
            let grantTwice = try await server.tokenRequest(
                [("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
                basic: .billing
            )
            expectOAuthError(grantTwice, status: 400, code: "invalid_request")
            let scopeTwice = try await server.tokenRequest(Self.grant + [("scope", "invoice-read"), ("scope", "invoice-write")], basic: .billing)
            expectOAuthError(scopeTwice, status: 400, code: "invalid_request")
            let secretTwice = try await server.tokenRequest(
                Self.grant + DemoClient.partnerPortal.postParameters + [("client_secret", "partner-demo-secret")]
            )
            expectOAuthError(secretTwice, status: 400, code: "invalid_request")
            let audienceTwice = try await server.tokenRequest(
                Self.grant + [("audience", Audience.invoices), ("audience", Audience.invoices)],
                basic: .billing
            )
            expectOAuthError(audienceTwice, status: 400, code: "invalid_request")
        }
    }

    @Test(
        "malformed Basic header: 401 invalid_client",
        arguments: [
            "Basic !!!not-base64!!!",
            "Basic " + Data("billing-service".utf8).base64EncodedString(),  // no colon
            "Basic " + Data(":billing-demo-secret".utf8).base64EncodedString(),  // empty client id
            "Basic " + Data([0xFF, 0xFE, 0x3A, 0x41]).base64EncodedString(),  // not UTF-8
            "Basic ",
            "Basic " + Data("billing-service:%ZZ".utf8).base64EncodedString(),  // bad percent-encoding
            "Bearer abc",
            "Digest username=\"billing-service\"",
        ]
    )
    func malformedBasicHeader(header: String) async throws {
        try await TestServer.with { server in
            let result = try await server.tokenRequest(Self.grant, headers: [("Authorization", header)])
            expectOAuthError(result, status: 401, code: "invalid_client")
        }
    }

    @Test("two client authentication methods at once: 400 invalid_request (RFC 6749 §2.3)")
    func twoAuthenticationMethods() async throws {
        try await TestServer.with { server in
            let basicAndPost = try await server.tokenRequest(Self.grant + DemoClient.billing.postParameters, basic: .billing)
            expectOAuthError(basicAndPost, status: 400, code: "invalid_request")
            let postAndAssertion = try await server.tokenRequest(
                Self.grant + DemoClient.partnerPortal.postParameters + [
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", "a.b.c"),
                ]
            )
            expectOAuthError(postAndAssertion, status: 400, code: "invalid_request")
        }
    }

    @Test("Basic with a client_id in the body: the same id is fine, another one is invalid_request")
    func basicWithClientID() async throws {
        try await TestServer.with { server in
            #expect(try await server.tokenRequest(Self.grant + [("client_id", "billing-service")], basic: .billing).status == 200)
            let mismatch = try await server.tokenRequest(Self.grant + [("client_id", "partner-portal")], basic: .billing)
            expectOAuthError(mismatch, status: 400, code: "invalid_request")
        }
    }

    @Test(
        "wrong content type: 400 invalid_request",
        arguments: [
            "application/json", "text/plain", "multipart/form-data; boundary=x", nil,
        ]
    )
    func wrongContentType(contentType: String?) async throws {
        try await TestServer.with { server in
            let body: [UInt8] =
                contentType == "application/json"
                ? Array(#"{"grant_type":"client_credentials"}"#.utf8) : Array("grant_type=client_credentials".utf8)
            var headers = [("Authorization", DemoClient.billing.basicAuthorization)]
            if let contentType { headers.append(("Content-Type", contentType)) }
            let result = try await server.send(.POST, "/sms/token", body: body, headers: headers)
            expectOAuthError(result, status: 400, code: "invalid_request")
        }
    }

    @Test("form content type with a charset parameter is accepted")
    func contentTypeWithCharset() async throws {
        try await TestServer.with { server in
            let result = try await server.send(
                .POST,
                "/sms/token",
                body: Array("grant_type=client_credentials".utf8),
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"), ("Authorization", DemoClient.billing.basicAuthorization),
                ]
            )
            #expect(result.status == 200, "\(result)")
        }
    }

    @Test("a 1 MiB body: a JSON error (413), and the server still answers afterwards")
    func oversizedBody() async throws {
        try await TestServer.with { server in
            let padding = String(repeating: "a", count: 1024 * 1024)
            let body = Array("grant_type=client_credentials&scope=\(padding)".utf8)
            let result = try await server.send(
                .POST,
                "/sms/token",
                body: body,
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", DemoClient.billing.basicAuthorization),
                ]
            )
            expectOAuthError(result, status: 413, code: "invalid_request")
            // Still serving, on new and pooled connections alike.
            for _ in 0..<3 {
                #expect(try await server.tokenRequest(Self.grant, basic: .billing).status == 200)
            }
            #expect(try await server.get("/healthz").status == 200)
        }
    }

    @Test(
        "non-UTF-8 bytes in the body: 400 invalid_request",
        arguments: [
            Array("grant_type=client_credentials&scope=".utf8) + [0xFF, 0xFE],
            [0xFF] + Array("grant_type=client_credentials".utf8),
            Array("grant_type=client_credentials&scope=%FF".utf8),
            Array("grant_type=client_credentials&scope=%C3%28".utf8),
            Array("grant_type=client_credentials&scope=%ZZ".utf8),
            Array("grant_type=client_credentials&sco%00pe=x".utf8),
        ]
    )
    func nonUTF8Body(body: [UInt8]) async throws {
        try await TestServer.with { server in
            let result = try await server.send(
                .POST,
                "/sms/token",
                body: body,
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", DemoClient.billing.basicAuthorization),
                ]
            )
            expectOAuthError(result, status: 400, code: "invalid_request")
        }
    }

    @Test("unknown tenant: 404 JSON, at every endpoint")
    func unknownTenant() async throws {
        try await TestServer.with { server in
            for endpoint in ["token", "introspect", "revoke"] {
                let result = try await server.postForm("/nope/\(endpoint)", Self.grant + [("token", "x")], basic: .billing)
                expectOAuthError(result, status: 404, code: "not_found")
            }
            let register = try await server.send(.POST, "/nope/register", body: Array("{}".utf8), headers: [("Content-Type", "application/json")])
            expectOAuthError(register, status: 404, code: "not_found")
            for path in ["/nope/jwks", "/nope/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/nope"] {
                expectOAuthError(try await server.get(path), status: 404, code: "not_found")
            }
        }
    }

    @Test("unknown path: 404 JSON")
    func unknownPath() async throws {
        try await TestServer.with { server in
            for path in ["/", "/nope", "/sms/authorise", "/sms/token/extra", "/a/b/c/d", "/sms/%FF", "/.well-known/nothing"] {
                let result = try await server.get(path)
                expectOAuthError(result, status: 404, code: "not_found")
            }
            let post = try await server.postForm("/sms/nothing-here", Self.grant)
            expectOAuthError(post, status: 404, code: "not_found")
        }
    }

    @Test("the wrong method on an endpoint: 405 with Allow (RFC 9110 section 15.5.6) and a JSON error, never a 404 or 500")
    func wrongMethod() async throws {
        try await TestServer.with { server in
            let get = try await server.get("/sms/token")
            #expect(get.status == 405, "\(get)")
            #expect(get.header("allow") == "POST")
            #expect(try get.json()["error"] == .string("invalid_request"))
            #expect(try get.json()["error_description"] == .string("method GET is not allowed here; use POST"))
            for endpoint in ["introspect", "revoke", "device_authorization", "register"] {
                let put = try await server.send(.PUT, "/sms/\(endpoint)")
                #expect(put.status == 405 && put.header("allow") == "POST", "\(endpoint): \(put)")
            }
            let head = try await server.send(.HEAD, "/sms/token")
            #expect(head.status == 405 && head.header("allow") == "POST" && head.body.isEmpty, "\(head)")
            let delete = try await server.send(.DELETE, "/sms/jwks")
            #expect(delete.status == 405 && delete.header("allow") == "GET, HEAD", "\(delete)")
            #expect(try delete.json()["error"] != nil)
            let discovery = try await server.send(.POST, "/sms/.well-known/openid-configuration")
            #expect(discovery.status == 405 && discovery.header("allow") == "GET, HEAD", "\(discovery)")
            let userinfo = try await server.send(.DELETE, "/sms/userinfo")
            #expect(userinfo.status == 405 && userinfo.header("allow") == "GET, POST", "\(userinfo)")
            let login = try await server.get("/sms/login")
            #expect(login.status == 405 && login.header("allow") == "POST", "\(login)")
            // A path that is no endpoint is still a 404.
            #expect(try await server.get("/sms/nothing-here").status == 404)
        }
    }
}

extension TokenEndpointErrorTests {
    @Test("failed client authentication on the wire: byte-identical answers whatever the cause; 429 with Retry-After once throttled")
    func clientAuthenticationCannotBeProbedOrBruteForced() async throws {
        // The throttle runs on the engine's clock: a manual one, so a slow machine cannot outwait it.
        try await TestServer.with(clock: ManualWallClock(Date())) { server in
            let unknown = try await server.tokenRequest(Self.grant, basic: DemoClient(id: "no-such-client", secret: "x", method: .clientSecretBasic))
            let wrong = try await server.tokenRequest(Self.grant, basic: DemoClient.billing.withSecret("x"))
            #expect(unknown.status == 401 && wrong.status == 401)
            #expect(unknown.body == wrong.body, "\(unknown.text) vs \(wrong.text)")
            #expect(unknown.header("www-authenticate") == wrong.header("www-authenticate"))
            for _ in 0..<4 { _ = try await server.tokenRequest(Self.grant, basic: DemoClient.billing.withSecret("x")) }
            let throttled = try await server.tokenRequest(Self.grant, basic: .billing)
            #expect(throttled.status == 429, "\(throttled)")
            #expect(throttled.header("retry-after") == "1")
            #expect(try throttled.json()["error"] == .string("invalid_client"))
            let introspection = try await server.introspect("x", as: DemoClient.billing)
            #expect(introspection.status == 429 && introspection.header("retry-after") == "1", "\(introspection)")
        }
    }
}
