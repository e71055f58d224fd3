import AuthEngine
import Hummingbird
import JOSE
import NIOCore

/// An OAuth error renders itself, the Hummingbird 2 way: a route just `try`s the engine, and an
/// `OAuthError` that escapes becomes its RFC 6749 §5.2 JSON body with its status, never cached
/// (§5.1: `Cache-Control: no-store`, `Pragma: no-cache`) and, for 401, its `WWW-Authenticate` challenge.
///
/// The conformance lives here because the engine owns the type and must not import HTTP modules; this
/// module is the only one that gives it an HTTP face. (Not marked `@retroactive`: the compiler refuses the
/// attribute for a type of the same package.)
extension OAuthError: HTTPResponseError {
    /// The JSON error body, status and headers; the same bytes whoever renders it (the router, a HEAD handler).
    public func response(from request: Request, context: some RequestContext) -> Response {
        response
    }

    /// The response, without a request (what `response(from:context:)` answers; tests read it directly).
    var response: Response {
        var response = HTTPResponses.json(body, status: HTTPResponse.Status(code: status))
        if let challenge { response.headers[.wwwAuthenticate] = challenge }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if let dpopNonce { response.headers[HTTPFields.dpopNonceName] = dpopNonce }
        return response
    }

    /// `{"error":…,"error_description":…}`, in that order; the description within RFC 6749's set.
    var body: [UInt8] {
        var w = JSONWriter(capacity: 160)
        w.beginObject()
        w.field("error", code)
        w.field("error_description", wireDescription)
        w.endObject()
        return w.bytes
    }
}

extension HTTPResponseError where Self == OAuthError {
    /// The engine's `Int` status as Hummingbird's type, for `HTTPResponseError`.
    ///
    /// Declared in a protocol extension rather than on `OAuthError` itself: there, in this module, it would
    /// shadow the engine's `status: Int` by name. A member of the type wins over a protocol extension's, so
    /// `error.status` stays the `Int` everywhere, and only the requirement (and `as any HTTPResponseError`)
    /// sees this one.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: self.status) }
}
