// The resource-server library's validation cost (issue 16): validations per second for fresh JWTs
// (signature, claims, the API's extra claims lookup) and from the cache, and resident memory per
// cached token. The JWKS comes over real HTTP from a Hummingbird server this process starts on a free
// loopback port, as an API would fetch it from Claimdeck.
//
//   swift run -c release ResourceServerBench [TOKENS] [ROUNDS]     (defaults 10000 and 20)
import ClaimdeckResourceServer
import Foundation
import Hummingbird
import JOSE
import NIOCore

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let tokens = arguments.first ?? 10_000
let cachedRounds = arguments.dropFirst().first ?? 20

func residentBytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let key = try SigningKeyPair.generate(.es256)
let kid = "bench"
let jwks = try JSONEncoder().encode(JWKSet(keys: [key.publicKey.jwk(kid: kid)]))
let router = Router()
router.get("jwks.json") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/jwk-set+json"], body: .init(byteBuffer: ByteBuffer(bytes: jwks)))
}
let bound = AsyncStream<Int>.makeStream()
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
    onServerRunning: { channel in
        bound.continuation.yield(channel.localAddress?.port ?? 0)
        bound.continuation.finish()
    }
)
let server = Task { try await app.runService() }
func first(_ stream: AsyncStream<Int>) async -> Int? {
    for await value in stream { return value }
    return nil
}
guard let port = await first(bound.stream), port > 0 else { fatalError("the JWKS server did not start") }

let issuer = "https://issuer.bench/sms"
let audience = "https://api.bench/invoices"
let validator = TokenValidator(
    configuration: ResourceServerConfiguration(
        issuer: issuer,
        audience: audience,
        jwksURL: "http://127.0.0.1:\(port)/jwks.json",
        maximumCachedTokens: tokens
    )
) { principal in
    // What an API's own lookup adds (here computed, not fetched: the cost measured is the library's).
    ["account": .string("acct-\(principal.subject ?? "")")]
}

let now = Date().timeIntervalSince1970.rounded(.down)
let header = JSONValue.object(["alg": "ES256", "typ": "at+jwt", "kid": .string(kid)]).serialized()
let minted = try (0..<tokens).map { n in
    try JWS.sign(
        headerJSON: header,
        payloadJSON: JSONValue.object([
            "iss": .string(issuer), "aud": .string(audience), "sub": .string("user-\(n)"), "client_id": "bench",
            "scope": "invoice-read", "iat": .number(now), "exp": .number(now + 3600), "jti": .string("jti-\(n)"),
        ]).serialized(),
        key: key
    )
}

// The JWKS fetch, once, before any timing.
_ = try await validator.validate(minted[0])
await validator.removeAllCachedTokens()
let before = residentBytes()
let clock = ContinuousClock()
let fresh = try await clock.measure {
    for token in minted { _ = try await validator.validate(token) }
}
let after = residentBytes()
let cached = try await clock.measure {
    for _ in 0..<cachedRounds { for token in minted { _ = try await validator.validate(token) } }
}
let freshRate = Double(tokens) / seconds(fresh)
let cachedRate = Double(tokens * cachedRounds) / seconds(cached)
print("RESULT fresh JWT validations \(Int(freshRate))/s (\(tokens) tokens, one task)")
print("RESULT cached validations    \(Int(cachedRate))/s (\(tokens * cachedRounds) lookups, one task)")
print("RESULT memory per cached token \((after - before) / tokens) bytes (RSS \(before / 1024) KB -> \(after / 1024) KB)")
print(String(format: "RATIO cached / fresh %.1f", cachedRate / freshRate))
server.cancel()
