import AuthEngine
import Hummingbird
import Logging

/// Last line of defence: whatever escapes a route becomes an RFC 6749 style JSON error. No HTML, no
/// stack trace, and no 500 for something the client did wrong.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ClaimdeckRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            return HTTPResponses.error(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                return HTTPResponses.error(.notFound("no such endpoint: \(request.method) \(Validation.printable(request.uri.path))"))
            case .methodNotAllowed:
                return HTTPResponses.error(OAuthError(code: "invalid_request", description: "method \(request.method) is not allowed here", status: 405))
            case .contentTooLarge:
                return HTTPResponses.error(OAuthError(code: "invalid_request", description: "the request body is too large", status: 413))
            default:
                let status = error.status.code
                return HTTPResponses.error(OAuthError(code: status < 500 ? "invalid_request" : "server_error",
                                                      description: error.body ?? error.status.reasonPhrase, status: status))
            }
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
            return HTTPResponses.error(OAuthError(code: "server_error", description: "internal error; see the server log", status: 500))
        }
    }
}
