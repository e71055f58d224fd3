import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// TestServer's two ways to the routes answer alike: router mode (in process) and live mode (a socket on
/// a port the kernel picked) name the same fixed issuer, and each issues tokens its JWKS verifies.
@Suite("TestServer modes")
struct TestServerModeTests {
    @Test("router and live mode: the same issuer and discovery document, verifiable tokens", arguments: [TestServer.Mode.router, .live])
    func sameAnswers(mode: TestServer.Mode) async throws {
        try await TestServer.with(mode: mode) { server in
            #expect(server.issuer == "http://127.0.0.1:8080/sms")
            #expect((server.liveURL != nil) == (mode == .live))
            let doc = try await server.get("/sms/.well-known/openid-configuration").json()
            #expect(doc["issuer"]?.stringValue == server.issuer)
            // An absolute URL of the issuer reaches this server in either mode.
            let jwks = try #require(doc["jwks_uri"]?.stringValue)
            #expect(try await server.get(jwks).status == 200)
            let jws = try await server.verifiedJWS(try await server.accessToken(.billing))
            #expect(jws.string("iss") == server.issuer)
        }
    }

    @Test("a URL of another server is refused, not sent somewhere else")
    func foreignURL() async throws {
        try await TestServer.with { server in
            await #expect(throws: FixtureError.self) { try await server.get("http://127.0.0.1:9/sms/jwks") }
        }
    }
}
