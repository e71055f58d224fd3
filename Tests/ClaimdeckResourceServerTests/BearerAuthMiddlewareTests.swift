import AuthEngine
import ClaimdeckResourceServer
import ClaimdeckTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JOSE
import Testing

/// The middleware on routes in process (HummingbirdTesting), its validator against a real Claimdeck:
/// the principal handed to the route, and the RFC 6750 §3 refusals, headers exact.
@Suite struct BearerAuthMiddlewareTests {
    struct Context: ResourceServerRequestContext {
        var coreContext: CoreRequestContextStorage
        var principal: Principal?
        init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var challenge: String?
        var body: String
    }

    /// GET /read needs invoice-read, POST /write invoice-write; each answers "subject client scopes tier".
    static func application(_ validator: TokenValidator) -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        let answer: @Sendable (Request, Context) async throws -> String = { _, context in
            let p = try #require(context.principal)
            return "\(p.subject) \(p.clientID) \(p.scopes.sorted().joined(separator: ",")) \(p.extraClaims["tier"]?.stringValue ?? "-")"
        }
        router.group("read").add(middleware: BearerAuthMiddleware(validator: validator, requiredScopes: ["invoice-read"])).get(use: answer)
        router.group("write").add(middleware: BearerAuthMiddleware(validator: validator, requiredScopes: ["invoice-write"])).post(use: answer)
        return Application(router: router)
    }

    /// Sends each request in `requests` (method, path, Authorization values) and collects the answers.
    static func send(
        _ validator: TokenValidator,
        _ requests: [(HTTPRequest.Method, String, [String])]
    ) async throws -> [Answer] {
        try await application(validator).test(.router) { client in
            var answers: [Answer] = []
            for (method, path, authorization) in requests {
                var headers = HTTPFields()
                for value in authorization { headers.append(HTTPField(name: .authorization, value: value)) }
                let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: nil)
                answers.append(
                    Answer(
                        status: response.status,
                        challenge: response.headers[.wwwAuthenticate],
                        body: String(buffer: response.body)
                    )
                )
            }
            return answers
        }
    }

    static func validator(_ server: LiveClaimdeck, clock: ManualWallClock = ManualWallClock(Date())) -> TokenValidator {
        TokenValidator(
            configuration: ResourceServerConfiguration(issuer: server.issuer, audience: Audience.invoices, realm: "invoices"),
            clock: clock,
            extraClaims: { _ in ["tier": "gold"] }
        )
    }

    @Test func aValidTokenReachesTheRouteWithItsPrincipal() async throws {
        try await LiveClaimdeck.with { server in
            let token = try await server.accessToken(.billing)
            let answers = try await Self.send(
                Self.validator(server),
                [(.get, "/read", ["Bearer \(token)"]), (.post, "/write", ["bearer \(token)"])]
            )
            for answer in answers {
                #expect(answer.status == .ok)
                #expect(answer.challenge == nil)
                #expect(answer.body == "billing-service billing-service invoice-read,invoice-write gold")
            }
        }
    }

    @Test func noCredentialsGetAChallengeWithoutAnErrorCode() async throws {
        try await LiveClaimdeck.with { server in
            let answers = try await Self.send(Self.validator(server), [(.get, "/read", []), (.get, "/read", ["Basic YTpi"])])
            for answer in answers {
                #expect(answer.status == .unauthorized)
                #expect(answer.challenge == #"Bearer realm="invoices""#)
                #expect(answer.body == "")
            }
        }
    }

    @Test func aMalformedAuthorizationHeaderIsAnInvalidRequest() async throws {
        try await LiveClaimdeck.with { server in
            let token = try await server.accessToken(.billing)
            let answers = try await Self.send(
                Self.validator(server),
                [
                    (.get, "/read", ["Bearer"]),
                    (.get, "/read", ["Bearer not a token"]),
                    (.get, "/read", ["Bearer \(token)", "Bearer \(token)"]),
                ]
            )
            #expect(answers.map(\.status) == [.badRequest, .badRequest, .badRequest])
            #expect(
                answers[0].challenge
                    == #"Bearer realm="invoices", error="invalid_request", error_description="the Authorization header has no well-formed Bearer token""#
            )
            #expect(answers[1].challenge == answers[0].challenge)
            #expect(
                answers[2].challenge
                    == #"Bearer realm="invoices", error="invalid_request", error_description="the request has more than one Authorization header""#
            )
            #expect(answers[2].body == #"{"error":"invalid_request","error_description":"the request has more than one Authorization header"}"#)
        }
    }

    @Test func aBadOrExpiredTokenIsAnInvalidToken() async throws {
        try await LiveClaimdeck.with { server in
            let clock = ManualWallClock(Date())
            let token = try await server.accessToken(.billing)
            let validator = Self.validator(server, clock: clock)
            let garbage = try await Self.send(validator, [(.get, "/read", ["Bearer opaque-but-not-introspected"])])
            #expect(garbage.map(\.status) == [.unauthorized])
            #expect(
                garbage[0].challenge
                    == #"Bearer realm="invoices", error="invalid_token", error_description="the token is not a JWT and this API does not introspect opaque tokens""#
            )
            clock.advance(by: 3600)
            let expired = try await Self.send(validator, [(.get, "/read", ["Bearer \(token)"])])
            #expect(expired.map(\.status) == [.unauthorized])
            #expect(expired[0].challenge == #"Bearer realm="invoices", error="invalid_token", error_description="the token has expired""#)
            #expect(expired[0].body == #"{"error":"invalid_token","error_description":"the token has expired"}"#)
        }
    }

    @Test func aTokenWithoutTheRoutesScopeIsForbiddenWithTheScopeNamed() async throws {
        try await LiveClaimdeck.with { server in
            let readOnly = try await server.accessToken(.billing, scope: "invoice-read")
            let answers = try await Self.send(
                Self.validator(server),
                [(.get, "/read", ["Bearer \(readOnly)"]), (.post, "/write", ["Bearer \(readOnly)"])]
            )
            #expect(answers.map(\.status) == [.ok, .forbidden])
            #expect(
                answers[1].challenge
                    == #"Bearer realm="invoices", error="insufficient_scope", error_description="the token lacks a scope this resource requires", scope="invoice-write""#
            )
        }
    }

    @Test func aDPoPBoundTokenIsRefusedAsBearerAndSaysSo() async throws {
        try await LiveClaimdeck.with { server in
            let key = try DPoPKey()
            let proof = try key.proof(htu: server.issuer + "/token")
            let answer = try await server.post("token", [("grant_type", "client_credentials")], as: .billing, headers: [("DPoP", proof)])
            #expect(answer.body["token_type"]?.stringValue == "DPoP")
            let token = try #require(answer.body["access_token"]?.stringValue)
            let answers = try await Self.send(Self.validator(server), [(.get, "/read", ["Bearer \(token)"]), (.get, "/read", ["DPoP \(token)"])])
            #expect(answers.map(\.status) == [.unauthorized, .unauthorized])
            #expect(
                answers[0].challenge
                    == #"Bearer realm="invoices", error="invalid_token", error_description="the token is DPoP-bound (cnf.jkt) and must be sent with a DPoP proof, not as Bearer""#
            )
            #expect(
                answers[1].challenge
                    == #"Bearer realm="invoices", error="invalid_token", error_description="this API accepts Bearer tokens only; DPoP proofs are not checked here""#
            )
        }
    }

    @Test func anUnreachableIssuerIsA503NotARefusal() async throws {
        // A port nothing listens on: discovery fails; the client should retry, not drop its token.
        let validator = TokenValidator(
            configuration: ResourceServerConfiguration(
                issuer: "http://127.0.0.1:1/sms",
                audience: Audience.invoices,
                realm: "invoices",
                requestTimeout: 5
            )
        )
        let token = try JWS.sign(
            headerJSON: JSONValue.object(["alg": "ES256", "typ": "at+jwt", "kid": "k"]).serialized(),
            payloadJSON: JSONValue.object(["sub": "x"]).serialized(),
            key: .generate(.es256)
        )
        let answers = try await Self.send(validator, [(.get, "/read", ["Bearer \(token)"])])
        #expect(answers.map(\.status) == [.serviceUnavailable])
        #expect(answers[0].challenge == nil)
        #expect(answers[0].body == #"{"error":"temporarily_unavailable","error_description":"the token cannot be checked now; try again later"}"#)
    }
}
