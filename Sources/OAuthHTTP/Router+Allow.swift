import AuthEngine
import Hummingbird

extension Router where Context == ClaimdeckRequestContext {
    /// Answers every other method on `path` with 405 and the `Allow` header RFC 9110 section 15.5.6
    /// requires, instead of the router's 404 (the endpoint exists; the method is wrong). HEAD is left
    /// alone where GET is allowed: it is GET's (section 9.3.2), not a wrong method.
    func allowOnly(_ path: RouterPath, _ allowed: [HTTPRequest.Method]) {
        for method in MethodNotAllowed.methods where !allowed.contains(method) && !(method == .head && allowed.contains(.get)) {
            on(path, method: method) { _, _ -> Response in throw MethodNotAllowed(allowed: allowed) }
        }
    }
}

/// The 405 answer: the OAuth JSON error body (none for HEAD) and `Allow`.
struct MethodNotAllowed: HTTPResponseError {
    /// The methods a client may send to an endpoint, whether or not it takes them.
    static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    let allowed: [HTTPRequest.Method]

    var status: HTTPResponse.Status { .methodNotAllowed }

    func response(from request: Request, context: some RequestContext) -> Response {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var response = OAuthError(
            code: "invalid_request",
            description: "method \(request.method) is not allowed here; use \(list)",
            status: 405
        ).response
        response.headers[.allow] = list
        if request.method == .head {
            let length = response.body.contentLength
            response.body = .init()
            if let length { response.headers[.contentLength] = String(length) }
        }
        return response
    }
}
