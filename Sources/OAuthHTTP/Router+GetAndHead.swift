import Hummingbird

extension Router where Context == ClaimdeckRequestContext {
    /// Registers `handler` for GET and HEAD: RFC 9110 §9.1 asks every general-purpose server to
    /// support both, and load balancers probe health with HEAD.
    func getAndHead(_ path: RouterPath, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        get(path, use: handler)
        head(path) { request, context in
            var response: Response
            do {
                response = try await handler(request, context)
            } catch let error as any HTTPResponseError {
                // Rendered here rather than by the router, so that an error answer to HEAD loses its body too.
                response = try error.response(from: request, context: context)
            }
            let length = response.body.contentLength
            response.body = .init()
            if let length { response.headers[.contentLength] = String(length) }
            return response
        }
    }
}
