import AuthEngine
import Foundation
import Hummingbird
import JOSE
import NIOCore

/// Responses and cookies of the browser pages: never cached, never framed, no script.
enum BrowserResponses {
    static let csrfCookie = "claimdeck_csrf"

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            HTTPFields.pragmaName: "no-cache",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
            HTTPFields.frameOptionsName: "DENY",
            HTTPFields.referrerPolicyName: "no-referrer",
            HTTPFields.contentTypeOptionsName: "nosniff",
        ]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 303 after a form post, 302 after a GET: the browser follows with a GET either way.
    static func redirect(_ location: String, afterPost: Bool) -> Response {
        Response(
            status: afterPost ? .seeOther : .found,
            headers: [.location: location, .cacheControl: "no-store", HTTPFields.referrerPolicyName: "no-referrer"]
        )
    }

    static func cookie(_ name: String, _ value: String, tenantID: String, maxAge: Int, secure: Bool, sameSite: Cookie.SameSite) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/\(tenantID)", secure: secure, httpOnly: true, sameSite: sameSite)
    }
}

extension HTTPFields {
    static let frameOptionsName = HTTPFields.Element.Name("X-Frame-Options")!
    static let referrerPolicyName = HTTPFields.Element.Name("Referrer-Policy")!
    static let contentTypeOptionsName = HTTPFields.Element.Name("X-Content-Type-Options")!
}
