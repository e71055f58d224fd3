import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// RFC 7662 introspection and RFC 9701 signed introspection responses, over HTTP.
@Suite("introspection")
struct IntrospectionTests {
    @Test("the gateway introspects partner-portal's opaque token: active, with its claims")
    func opaqueTokenActive() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal, [("scope", "sms")])
            let result = try await server.introspect(token)
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Cache-Control") == "no-store")
            #expect(result.header("Content-Type")?.hasPrefix("application/json") == true)
            let body = try result.json()
            #expect(body["active"]?.boolValue == true)
            #expect(body["client_id"]?.stringValue == "partner-portal")
            #expect(body["sub"]?.stringValue == "partner-portal")
            #expect(body["scope"]?.stringValue == "sms")
            #expect(body["token_type"]?.stringValue == "Bearer")
            #expect(body["iss"]?.stringValue == server.issuer)
            let aud = body["aud"]?.stringValue.map { [$0] } ?? body["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(aud) == [Audience.sms, Audience.status])
            let iat = try #require(body["iat"]?.intValue)
            let exp = try #require(body["exp"]?.intValue)
            #expect(exp == iat + 600)
            #expect(abs(iat - unixNow) <= 60, "issued within the test's minute (a loaded CI machine can be slow)")
            let jti = try #require(body["jti"]?.stringValue)
            #expect(try await server.store.token(id: jti)?.clientID == "partner-portal")
        }
    }

    @Test("the gateway introspects billing-service's JWT: active, claims as in the JWT")
    func jwtActive() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.billing)
            let jws = try #require(JWS.parse(token))
            let body = try await server.introspect(token).json()
            #expect(body["active"]?.boolValue == true)
            #expect(body["client_id"]?.stringValue == "billing-service")
            #expect(body["sub"]?.stringValue == jws.string("sub"))
            #expect(body["aud"]?.stringValue == jws.string("aud"))
            #expect(body["scope"]?.stringValue == jws.string("scope"))
            #expect(body["exp"]?.intValue == jws.int("exp"))
            #expect(body["iat"]?.intValue == jws.int("iat"))
            #expect(body["jti"]?.stringValue == jws.string("jti"))
            #expect(body["iss"]?.stringValue == jws.string("iss"))
        }
    }

    @Test("a token_type_hint does not change the answer")
    func tokenTypeHint() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            for hint in ["access_token", "refresh_token"] {
                let result = try await server.postForm("/sms/introspect", [("token", token), ("token_type_hint", hint)], basic: .apiGateway)
                #expect(try result.json()["active"]?.boolValue == true, "\(hint): \(result)")
            }
        }
    }

    @Test("garbage, and a forged JWT carrying a real jti: {\"active\":false} and nothing else")
    func garbageAndForgeries() async throws {
        try await TestServer.with { server in
            let real = try await server.accessToken(.billing)
            let jws = try #require(JWS.parse(real))
            let parts = real.split(separator: ".").map(String.init)
            // Same header and signature, payload with a wider scope and the real jti.
            var payload = jws.payload
            payload["scope"] = .string("invoice-read invoice-write sms")
            let tampered = parts[0] + "." + Base64URL.encode(JSONValue.object(payload).serialized()) + "." + parts[2]
            // A JWT with the real jti signed by a key of the attacker's.
            let attacker = try SigningKeyPair.generate(.es256)
            let signedByAttacker = try JWS.sign(
                headerJSON: JWS.header(for: attacker, kid: jws.keyID ?? "x", typ: "at+jwt"),
                payloadJSON: jws.payloadBytes,
                key: attacker
            )
            // The real token with its signature cut off, and with one more character.
            let unsigned = parts[0] + "." + parts[1] + "."
            // An opaque-looking token with a real id.
            let opaque = try await server.accessToken(.partnerPortal)
            let forgedOpaque = String(opaque.dropLast(4)) + "AAAA"
            let garbage = [
                "garbage", "a.b.c", "cdo_", "cdo_" + String(repeating: "0", count: 80), String(repeating: "x", count: 5000),
                "\u{00e9}t\u{00e9}", tampered, signedByAttacker, unsigned, real + "x", forgedOpaque,
            ]
            for token in garbage {
                let result = try await server.introspect(token)
                #expect(result.status == 200, "\(result)")
                #expect(result.text == #"{"active":false}"#, "for \(token.prefix(40)): \(result)")
            }
            // The genuine ones are still active.
            #expect(try await server.isActive(real))
            #expect(try await server.isActive(opaque))
        }
    }

    @Test("unauthenticated or badly authenticated callers: 401 invalid_client")
    func unauthenticated() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            let none = try await server.postForm("/sms/introspect", [("token", token)])
            expectOAuthError(none, status: 401, code: "invalid_client")
            let wrong = try await server.introspect(token, as: DemoClient.apiGateway.withSecret("nope"))
            expectOAuthError(wrong, status: 401, code: "invalid_client")
            // Naming a client without authenticating is not enough either.
            let named = try await server.postForm("/sms/introspect", [("token", token), ("client_id", "api-gateway")])
            expectOAuthError(named, status: 401, code: "invalid_client")
            // A missing token parameter, once authenticated: invalid_request.
            expectOAuthError(try await server.postForm("/sms/introspect", [], basic: .apiGateway), status: 400, code: "invalid_request")
        }
    }

    @Test("after revocation: inactive at once")
    func afterRevocation() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            #expect(try await server.isActive(token))
            let revoked = try await server.postForm("/sms/revoke", [("token", token)] + DemoClient.partnerPortal.postParameters)
            #expect(revoked.status == 200, "\(revoked)")
            #expect(try await server.isActive(token) == false)
            #expect(try await server.introspect(token).text == #"{"active":false}"#)
        }
    }

    @Test("after the owning client is disabled: inactive; enabled again: active")
    func afterOwnerDisabled() async throws {
        try await TestServer.with { server in
            let opaque = try await server.accessToken(.partnerPortal)
            let jwt = try await server.accessToken(.billing)
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "partner-portal", disabled: true, actor: "test")
            #expect(try await server.isActive(opaque) == false)
            #expect(try await server.isActive(jwt), "another client's token is not affected")
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "partner-portal", disabled: false, actor: "test")
            #expect(try await server.isActive(opaque))
        }
    }

    @Test("a disabled caller cannot introspect")
    func disabledCaller() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "api-gateway", disabled: true, actor: "test")
            expectOAuthError(try await server.introspect(token), status: 401, code: "invalid_client")
        }
    }

    @Test("a token of another tenant is not active here")
    func otherTenant() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal)
            _ = try await server.engine.createTenant(id: "other", actor: "test")
            let registered = try await server.engine.registerClient(
                tenantID: "other",
                id: "other-gateway",
                .init(name: "Other gateway", audiences: ["https://api.other.example"]),
                actor: "test"
            )
            let secret = try #require(registered.secret)
            let otherGateway = DemoClient(id: "other-gateway", secret: secret, method: .clientSecretBasic)
            let result = try await server.postForm("/other/introspect", [("token", token)], basic: otherGateway)
            #expect(result.status == 200, "\(result)")
            #expect(result.text == #"{"active":false}"#)
        }
    }

    @Test("Accept: application/token-introspection+jwt gives an RFC 9701 signed answer")
    func signedIntrospection() async throws {
        try await TestServer.with { server in
            let token = try await server.accessToken(.partnerPortal, [("scope", "status"), ("resource", Audience.status)])
            let result = try await server.introspect(token, headers: [("Accept", "application/token-introspection+jwt")])
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Content-Type") == "application/token-introspection+jwt")
            #expect(result.header("Cache-Control") == "no-store")
            let jws = try await server.verifiedJWS(result.text)
            // RFC 9701 §5: typ token-introspection+jwt; iss, aud (the caller), iat; the answer in token_introspection.
            #expect(jws.type == "token-introspection+jwt")
            #expect(jws.string("iss") == server.issuer)
            #expect(jws.string("aud") == "api-gateway")
            #expect(abs((jws.int("iat") ?? 0) - unixNow) <= 60, "issued within the test's minute (a loaded CI machine can be slow)")
            let inner = try #require(jws.payload["token_introspection"]?.objectValue)
            #expect(inner["active"]?.boolValue == true)
            #expect(inner["client_id"]?.stringValue == "partner-portal")
            #expect(inner["scope"]?.stringValue == "status")
            #expect(inner["aud"]?.stringValue == Audience.status)
            #expect(inner["iss"]?.stringValue == server.issuer)

            // An inactive token: the signed answer says so.
            let inactive = try await server.introspect("garbage", headers: [("Accept", "application/token-introspection+jwt")])
            let inactiveJWS = try await server.verifiedJWS(inactive.text)
            #expect(inactiveJWS.payload["token_introspection"]?.objectValue?["active"]?.boolValue == false)

            // Without the Accept header: plain JSON.
            #expect(try await server.introspect(token).header("Content-Type")?.hasPrefix("application/json") == true)
        }
    }

    @Test("an expired token is inactive")
    func expiredToken() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let registered = try await server.engine.registerClient(
                tenantID: "sms",
                id: "short-lived",
                .init(
                    name: "Short lived",
                    scopes: ["status"],
                    audiences: [Audience.status],
                    tokenFormat: .opaque,
                    accessTokenLifetime: 3
                ),
                actor: "test"
            )
            let client = DemoClient(id: "short-lived", secret: try #require(registered.secret), method: .clientSecretBasic)
            let token = try await server.accessToken(client)
            // iat is whole seconds, so the token lives 2 to 3 seconds of the engine's clock.
            let introspection = try await server.introspect(token).json()
            #expect(introspection["active"]?.boolValue == true)
            #expect(try #require(introspection["exp"]?.doubleValue) <= clock.now().timeIntervalSince1970 + 3)
            clock.advance(by: 3)
            #expect(try await server.isActive(token) == false)
            #expect(try await server.introspect(token).text == #"{"active":false}"#)
            // Revoking an expired token is still a success (RFC 7009 §2.2).
            #expect(try await server.postForm("/sms/revoke", [("token", token)], basic: client).status == 200)
        }
    }
}
