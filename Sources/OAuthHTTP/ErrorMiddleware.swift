import AuthEngine
import Hummingbird
import Logging

/// Last line of defence for what is not already an `OAuthError` (which renders itself): Hummingbird's
/// own errors and anything unexpected become RFC 6749 style OAuth errors, so every error answer is
/// the same JSON shape. No HTML, no stack trace, and no 500 for something the client did wrong.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ClaimdeckRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            throw error
        } catch let error as HTTPError {
            throw Self.oauthError(error, request: request)
        } catch let error as MethodNotAllowed {
            throw error
        } catch {
            // The type only: an error's text may carry what it was given.
            context.logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
            throw OAuthError(code: "server_error", description: "internal error; see the server log", status: 500)
        }
    }

    /// The router's 404, 405 and 413 (and any other `HTTPError`) in OAuth terms.
    static func oauthError(_ error: HTTPError, request: Request) -> OAuthError {
        switch error.status {
        case .notFound:
            return .notFound("no such endpoint: \(request.method) \(Validation.printable(request.uri.path))")
        case .methodNotAllowed:
            return OAuthError(code: "invalid_request", description: "method \(request.method) is not allowed here", status: 405)
        case .contentTooLarge:
            return OAuthError(code: "invalid_request", description: "the request body is too large", status: 413)
        default:
            let status = error.status.code
            return OAuthError(
                code: status < 500 ? "invalid_request" : "server_error",
                description: error.body ?? error.status.reasonPhrase,
                status: status
            )
        }
    }
}
