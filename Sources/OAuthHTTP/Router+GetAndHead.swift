import Hummingbird

extension Router where Context == ClaimdeckRequestContext {
    /// Registers `handler` for GET and HEAD: RFC 9110 §9.1 asks every general-purpose server to
    /// support both, and load balancers probe health with HEAD.
    func getAndHead(_ path: RouterPath, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        get(path, use: handler)
        head(path) { request, context in
            var response = try await handler(request, context)
            let length = response.body.contentLength
            response.body = .init()
            if let length { response.headers[.contentLength] = String(length) }
            return response
        }
    }
}
