import AuthEngine
import Foundation
import Hummingbird
import JOSE

/// The per-tenant OAuth endpoints: token, introspection, revocation, registration, JWKS, discovery.
/// Each one only translates HTTP to an engine use case and back; an `OAuthError` the engine throws
/// renders itself (see `OAuthError+HTTPResponseError.swift`), so handlers just `try`.
struct OAuthRoutes {
    let engine: ClaimdeckEngine
    /// Whose `X-Forwarded-For` names the client.
    let proxies: TrustedProxies
    /// Where a request's client certificate comes from (RFC 8705).
    let certificates: ClientCertificateSource

    func register(on router: Router<ClaimdeckRequestContext>) {
        router.post(":tenant/token") { request, context in try await token(request, context) }
        router.post(":tenant/introspect") { request, context in try await introspect(request, context) }
        router.post(":tenant/revoke") { request, context in try await revoke(request, context) }
        router.post(":tenant/device_authorization") { request, context in
            HTTPResponses.json(try await engine.deviceAuthorization(try await endpointRequest(request, context)).json())
        }
        router.post(":tenant/register") { request, context in try await registerClient(request, context) }
        router.post(":tenant/par") { request, context in
            // RFC 9126 §2.2: 201 Created.
            HTTPResponses.json(try await engine.pushAuthorizationRequest(try await endpointRequest(request, context)).json(), status: .created)
        }
        router.getAndHead(":tenant/jwks") { _, context in try jwks(context) }
        router.get(":tenant/userinfo") { request, context in try await userinfo(request, context, form: nil) }
        router.post(":tenant/userinfo") { request, context in
            // RFC 6750 §2.2: the token may come in a form body instead of the header.
            let form: FormParameters?
            if let type = request.headers[.contentType], FormBody.hasMediaType(type, "application/x-www-form-urlencoded") {
                form = try await FormBody.read(request, context: context)
            } else {
                form = nil
            }
            return try await userinfo(request, context, form: form)
        }
        for name in ["openid-configuration", "oauth-authorization-server"] {
            // OpenID Connect Discovery appends to the issuer; RFC 8414 §3.1 inserts before the path.
            router.getAndHead(RouterPath(":tenant/.well-known/\(name)")) { _, context in try discovery(context) }
            router.getAndHead(RouterPath(".well-known/\(name)/:tenant")) { _, context in try discovery(context) }
            router.allowOnly(RouterPath(":tenant/.well-known/\(name)"), [.get, .head])
            router.allowOnly(RouterPath(".well-known/\(name)/:tenant"), [.get, .head])
        }
        for endpoint in ["token", "introspect", "revoke", "device_authorization", "register", "par"] {
            router.allowOnly(RouterPath(":tenant/\(endpoint)"), [.post])
        }
        router.allowOnly(":tenant/jwks", [.get, .head])
        router.allowOnly(":tenant/userinfo", [.get, .post])
    }

    private func tenantID(_ context: ClaimdeckRequestContext) -> String {
        context.parameters.get("tenant") ?? ""
    }

    private func endpointRequest(_ request: Request, _ context: ClaimdeckRequestContext) async throws(OAuthError) -> TokenEndpointRequest {
        // An unknown tenant is a 404 before anything else is read.
        _ = try engine.tenant(tenantID(context))
        let form = try await FormBody.read(request, context: context)
        var endpointRequest = TokenEndpointRequest(
            tenantID: tenantID(context),
            form: form,
            authorization: request.headers[.authorization],
            remoteAddress: proxies.clientAddress(request, context),
            dpopProofs: request.headers[values: HTTPFields.dpopName],
            method: request.method.rawValue,
            clientCertificate: await certificates.certificate(request, context, proxies: proxies)
        )
        endpointRequest.viaMutualTLS = certificates.fromHandshake
        return endpointRequest
    }

    private func token(_ request: Request, _ context: ClaimdeckRequestContext) async throws(OAuthError) -> Response {
        let response = try await engine.token(try await endpointRequest(request, context))
        var answer = HTTPResponses.json(response.json())
        if let nonce = response.dpopNonce { answer.headers[HTTPFields.dpopNonceName] = nonce }
        return answer
    }

    private func introspect(_ request: Request, _ context: ClaimdeckRequestContext) async throws(OAuthError) -> Response {
        let result = try await engine.introspect(try await endpointRequest(request, context))
        // RFC 9701: a signed answer when the caller asks for it.
        if let accept = request.headers[.accept], accept.contains("application/token-introspection+jwt") {
            let jwt = try engine.signedIntrospection(result)
            return HTTPResponses.json(Array(jwt.utf8), contentType: "application/token-introspection+jwt")
        }
        return HTTPResponses.json(result.json())
    }

    private func revoke(_ request: Request, _ context: ClaimdeckRequestContext) async throws(OAuthError) -> Response {
        try await engine.revoke(try await endpointRequest(request, context))
        return HTTPResponses.json(Array("{}".utf8))
    }

    private func registerClient(_ request: Request, _ context: ClaimdeckRequestContext) async throws(OAuthError) -> Response {
        _ = try engine.tenant(tenantID(context))
        guard let type = request.headers[.contentType], FormBody.hasMediaType(type, "application/json") else {
            throw OAuthError.invalidClientMetadata("Content-Type must be application/json")
        }
        let body = try await FormBody.collect(request)
        let result = try await engine.registerDynamically(tenantID: tenantID(context), authorization: request.headers[.authorization], body: body)
        return HTTPResponses.json(result, status: .created)
    }

    private func userinfo(_ request: Request, _ context: ClaimdeckRequestContext, form: FormParameters?) async throws(OAuthError) -> Response {
        let authorization = request.headers[.authorization]
        let bearer = authorization.flatMap(AuthorizationHeader.bearerToken)
        let dpop = authorization.flatMap(AuthorizationHeader.dpopToken)
        if authorization != nil && bearer == nil && dpop == nil {
            throw OAuthError(
                code: "invalid_request",
                description: "the Authorization header must use the Bearer or the DPoP scheme",
                status: 400,
                challenge: "Bearer realm=\"\(tenantID(context))\", error=\"invalid_request\""
            )
        }
        let inBody = try form?.single("access_token")
        if authorization != nil && inBody != nil {
            throw .invalidRequest("send the access token once: in the Authorization header or in the body, not both")
        }
        var presentation = ResourcePresentation(
            scheme: dpop == nil ? .bearer : .dpop,
            dpopProofs: request.headers[values: HTTPFields.dpopName],
            method: request.method.rawValue,
            clientCertificate: await certificates.certificate(request, context, proxies: proxies)
        )
        presentation.viaMutualTLS = certificates.fromHandshake
        let claims = try await engine.userinfo(tenantID: tenantID(context), accessToken: dpop ?? bearer ?? inBody, presentation: presentation)
        return HTTPResponses.json(claims)
    }

    private func jwks(_ context: ClaimdeckRequestContext) throws(OAuthError) -> Response {
        let set = try engine.jwks(tenantID: tenantID(context))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(set)) ?? Data("{\"keys\":[]}".utf8)
        return HTTPResponses.json(Array(data), cacheable: true)
    }

    private func discovery(_ context: ClaimdeckRequestContext) throws(OAuthError) -> Response {
        HTTPResponses.json(try engine.discoveryDocument(tenantID: tenantID(context)), cacheable: true)
    }
}
