// The floor: what the framework and a JOSE library cost, with nothing stored.
//
//   floor [port]      (default 8090; 0: any free port, printed as "floor listening on <port>")
//
// GET  /token.json   a static JSON answer (the stick for /healthz and introspection)
// POST /token        reads the form, checks it names client_credentials, mints an RFC 9068-shaped
//                    ES256 JWT with jwt-kit and answers it as RFC 6749 §5.1 JSON (the stick for
//                    Claimdeck's client_credentials, which also authenticates, stores and audits).
import Foundation
import Hummingbird
import JWTKit

struct AccessToken: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var client_id: String
    var scope: String

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

let keys = JWTKeyCollection()
await keys.add(ecdsa: ES256PrivateKey(), kid: "floor")
let staticAnswer = #"{"status":"ok","service":"floor"}"#

let router = Router()
router.get("/token.json") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: staticAnswer)))
}
router.post("/token") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 64 * 1024)
    let form = String(buffer: body)
    guard form.split(separator: "&").contains("grant_type=client_credentials") else {
        return Response(
            status: .badRequest,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"error":"unsupported_grant_type"}"#))
        )
    }
    let now = Date()
    let payload = AccessToken(
        iss: "http://127.0.0.1/floor",
        sub: "billing-service",
        aud: "billing-api",
        exp: .init(value: now.addingTimeInterval(300)),
        iat: .init(value: now),
        jti: .init(value: UUID().uuidString),
        client_id: "billing-service",
        scope: "billing:read"
    )
    let jwt = try await keys.sign(payload, kid: "floor", header: ["typ": "at+jwt"])
    let answer = #"{"access_token":"\#(jwt)","token_type":"Bearer","expires_in":300,"scope":"billing:read"}"#
    return Response(
        status: .ok,
        headers: [.contentType: "application/json", .cacheControl: "no-store"],
        body: .init(byteBuffer: ByteBuffer(string: answer))
    )
}

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8090 : 8090
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "floor"),
    onServerRunning: { channel in
        // Unbuffered: a script waits for this line.
        FileHandle.standardOutput.write(Data("floor listening on \(channel.localAddress?.port ?? 0)\n".utf8))
    }
)
try await app.runService()
