import AuthEngine
import Foundation
import Hummingbird
import JOSE
import NIOCore

/// The per-tenant Shared Signals transmitter (OpenID SSF 1.0): its metadata, the stream management
/// API and the RFC 8936 poll endpoint. Each handler translates HTTP to an engine use case; the
/// engine authorizes the receiver's access token and answers `OAuthError`s (RFC 6750 challenges
/// for 401/403, 400/404/409 for the stream calls).
struct SharedSignalsRoutes {
    let engine: ClaimdeckEngine

    func register(on router: Router<ClaimdeckRequestContext>) {
        // SSF §7.2: the well-known part inserted before the issuer's path; also appended to it, as
        // OpenID discovery does, for receivers that build the URL that way.
        for path in [":tenant/.well-known/ssf-configuration", ".well-known/ssf-configuration/:tenant"] {
            router.getAndHead(RouterPath(path)) { _, context in
                HTTPResponses.json(try engine.transmitterMetadata(tenantID: tenantID(context)), cacheable: true)
            }
            router.allowOnly(RouterPath(path), [.get, .head])
        }
        router.post(":tenant/ssf/streams") { request, context in
            let answer = try await engine.createEventStream(
                tenantID: tenantID(context),
                authorization: request.headers[.authorization],
                body: try await jsonBody(request)
            )
            return HTTPResponses.json(answer, status: .created)
        }
        router.get(":tenant/ssf/streams") { request, context in
            HTTPResponses.json(
                try await engine.readEventStreams(
                    tenantID: tenantID(context),
                    authorization: request.headers[.authorization],
                    streamID: request.uri.queryParameters.get("stream_id")
                )
            )
        }
        for (method, replace) in [(HTTPRequest.Method.patch, false), (.put, true)] {
            router.on(":tenant/ssf/streams", method: method) { request, context in
                HTTPResponses.json(
                    try await engine.updateEventStream(
                        tenantID: tenantID(context),
                        authorization: request.headers[.authorization],
                        body: try await jsonBody(request),
                        replace: replace
                    )
                )
            }
        }
        router.delete(":tenant/ssf/streams") { request, context in
            try await engine.deleteEventStream(
                tenantID: tenantID(context),
                authorization: request.headers[.authorization],
                streamID: request.uri.queryParameters.get("stream_id")
            )
            return Response(status: .noContent)
        }
        router.allowOnly(":tenant/ssf/streams", [.get, .post, .patch, .put, .delete])
        router.get(":tenant/ssf/status") { request, context in
            HTTPResponses.json(
                try await engine.eventStreamStatus(
                    tenantID: tenantID(context),
                    authorization: request.headers[.authorization],
                    streamID: request.uri.queryParameters.get("stream_id")
                )
            )
        }
        router.post(":tenant/ssf/status") { request, context in
            HTTPResponses.json(
                try await engine.setEventStreamStatus(
                    tenantID: tenantID(context),
                    authorization: request.headers[.authorization],
                    body: try await jsonBody(request)
                )
            )
        }
        router.allowOnly(":tenant/ssf/status", [.get, .post])
        for (name, add) in [("add", true), ("remove", false)] {
            router.post(RouterPath(":tenant/ssf/subjects/\(name)")) { request, context in
                try await engine.changeEventStreamSubject(
                    tenantID: tenantID(context),
                    authorization: request.headers[.authorization],
                    body: try await jsonBody(request),
                    add: add
                )
                // SSF §8.1.3.2: 200 for an added subject; §8.1.3.3: 204 for a removed one.
                return add ? HTTPResponses.json(Array("{}".utf8)) : Response(status: .noContent)
            }
            router.allowOnly(RouterPath(":tenant/ssf/subjects/\(name)"), [.post])
        }
        router.post(":tenant/ssf/verify") { request, context in
            try await engine.verifyEventStream(
                tenantID: tenantID(context),
                authorization: request.headers[.authorization],
                body: try await jsonBody(request)
            )
            return Response(status: .noContent)
        }
        router.allowOnly(":tenant/ssf/verify", [.post])
        router.post(":tenant/ssf/poll/:stream") { request, context in try await poll(request, context) }
        router.allowOnly(":tenant/ssf/poll/:stream", [.post])
    }

    private func tenantID(_ context: ClaimdeckRequestContext) -> String {
        context.parameters.get("tenant") ?? ""
    }

    /// The JSON body of a stream call (an unknown tenant is a 404 before anything is read).
    private func jsonBody(_ request: Request) async throws(OAuthError) -> Data {
        if let type = request.headers[.contentType], !FormBody.hasMediaType(type, "application/json") {
            throw .invalidRequest("Content-Type must be application/json")
        }
        return Data(try await FormBody.collect(request))
    }

    /// RFC 8936 §2.4.4: a poll's errors travel as RFC 8935 §2.3 bodies (`{"err", "description"}`);
    /// 401 and 403 keep their RFC 6750 challenge.
    private func poll(_ request: Request, _ context: ClaimdeckRequestContext) async throws -> Response {
        let answer: JSONValue
        do {
            answer = try await engine.pollSecurityEvents(
                tenantID: tenantID(context),
                authorization: request.headers[.authorization],
                streamID: context.parameters.get("stream") ?? "",
                body: try await jsonBody(request)
            )
        } catch {
            guard error.status == 400 else { throw error }
            return Self.pollError(error)
        }
        return HTTPResponses.json(answer)
    }

    static func pollError(_ error: OAuthError) -> Response {
        HTTPResponses.json(.object(["err": .string(error.code), "description": .string(error.wireDescription)]), status: .badRequest)
    }
}
