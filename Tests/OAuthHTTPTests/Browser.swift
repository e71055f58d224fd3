import AuthEngine
import ClaimdeckTestSupport
import Crypto
import Foundation
import JOSE
import NIOCore
import NIOHTTP1
import Synchronization

/// A minimal browser for the user-facing flows: keeps cookies per path, never follows redirects (the
/// test follows them, as a browser would, and inspects each hop), and reads forms out of HTML.
/// Requests go through the server's `send`, so the browser works in either of its modes.
final class Browser: Sendable {
    let server: TestServer
    /// name -> (value, path)
    private let jar = Mutex<[String: (value: String, path: String)]>([:])

    init(_ server: TestServer) { self.server = server }

    /// Nothing to release since requests go through the server; kept so tests read as a browser's life.
    func close() async {}

    struct Page: Sendable, CustomStringConvertible {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var location: String? { headers.first(name: "location") }
        var description: String { "\(status) \(location ?? "") \(text.prefix(300))" }

        /// The query parameters of the redirect's Location.
        var redirectParameters: [String: String] {
            guard let location, let q = URLComponents(string: location)?.queryItems else { return [:] }
            return Dictionary(q.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        }

        /// The hidden inputs of the page's first form.
        var hiddenFields: [(String, String)] {
            let pattern = #/<input type="hidden" name="([^"]*)" value="([^"]*)">/#
            return text.matches(of: pattern).map { (Browser.unescape(String($0.1)), Browser.unescape(String($0.2))) }
        }

        var formAction: String? {
            text.firstMatch(of: #/<form method="post" action="([^"]*)">/#).map { Browser.unescape(String($0.1)) }
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    func cookie(_ name: String) -> String? { jar.withLock { $0[name]?.value } }
    func dropCookie(_ name: String) { _ = jar.withLock { $0.removeValue(forKey: name) } }
    func setCookie(_ name: String, _ value: String, path: String = "/sms") { jar.withLock { $0[name] = (value, path) } }

    /// GET an absolute URL or a path on the server.
    func get(_ url: String) async throws -> Page {
        try await send(.GET, url, body: nil)
    }

    func post(_ url: String, _ form: [(String, String)]) async throws -> Page {
        try await send(.POST, url, body: FormEncoding.encode(form))
    }

    /// Submits the page's form with its hidden fields plus `fields`.
    func submit(_ page: Page, _ fields: [(String, String)]) async throws -> Page {
        guard let action = page.formAction else { throw FixtureError("the page has no form: \(page)") }
        return try await post(action, page.hiddenFields + fields)
    }

    private func send(_ method: HTTPMethod, _ url: String, body: String?) async throws -> Page {
        let absolute = url.hasPrefix("http") ? url : server.baseURL + url
        var headers: [(String, String)] = []
        let path = URLComponents(string: absolute)?.path ?? "/"
        let cookies = jar.withLock { jar in jar.filter { path.hasPrefix($0.value.path) }.map { "\($0.key)=\($0.value.value)" } }
        if !cookies.isEmpty { headers.append(("Cookie", cookies.joined(separator: "; "))) }
        if body != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        let response = try await server.send(method, absolute, body: body.map { Array($0.utf8) }, headers: headers)
        for header in response.headers[canonicalForm: "set-cookie"] { store(String(header)) }
        return Page(status: response.status, headers: response.headers, text: response.text)
    }

    private func store(_ header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let eq = first.firstIndex(of: "=") else { return }
        let name = String(first[..<eq])
        let value = String(first[first.index(after: eq)...])
        let path = parts.first { $0.lowercased().hasPrefix("path=") }.map { String($0.dropFirst(5)) } ?? "/"
        let expired = parts.contains { $0.lowercased() == "max-age=0" }
        jar.withLock { $0[name] = expired || value.isEmpty ? nil : (value, path) }
    }
}

/// A client of the code flow, as a client library would drive it.
struct CodeFlowClient: Sendable {
    var id: String
    var secret: String?
    var redirectURI: String

    static let portal = CodeFlowClient(id: "customer-portal", secret: "portal-demo-secret", redirectURI: "http://127.0.0.1:8765/callback")
    static let budget = CodeFlowClient(id: "budget-app", secret: nil, redirectURI: "http://127.0.0.1:8766/callback")

    /// A fresh PKCE pair (RFC 7636 §4.1-4.2, S256).
    static func pkce() -> (verifier: String, challenge: String) {
        var g = SystemRandomNumberGenerator()
        let verifier = Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) })
        return (verifier, Base64URL.encode(SHA256.hash(data: Data(verifier.utf8))))
    }

    func authorizationURL(
        _ server: TestServer,
        scope: String,
        challenge: String?,
        state: String = "st-123",
        nonce: String? = "n-456",
        extra: [(String, String)] = []
    ) -> String {
        var q: [(String, String)] = [
            ("response_type", "code"), ("client_id", id), ("redirect_uri", redirectURI), ("scope", scope),
            ("state", state),
        ]
        if let nonce { q.append(("nonce", nonce)) }
        if let challenge { q += [("code_challenge", challenge), ("code_challenge_method", "S256")] }
        return server.issuer + "/authorize?" + FormEncoding.encode(q + extra)
    }

    /// The token request: Basic auth for a confidential client, client_id in the body for a public one.
    func tokenRequest(_ server: TestServer, _ form: [(String, String)]) async throws -> HTTPResult {
        if let secret {
            return try await server.tokenRequest(form, basic: DemoClient(id: id, secret: secret, method: .clientSecretBasic))
        }
        return try await server.tokenRequest(form + [("client_id", id)])
    }

    func exchange(_ server: TestServer, code: String, verifier: String?) async throws -> HTTPResult {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)]
        if let verifier { form.append(("code_verifier", verifier)) }
        return try await tokenRequest(server, form)
    }

    func refresh(_ server: TestServer, _ token: String, scope: String? = nil) async throws -> HTTPResult {
        try await tokenRequest(server, [("grant_type", "refresh_token"), ("refresh_token", token)] + (scope.map { [("scope", $0)] } ?? []))
    }
}

extension Browser {
    /// Runs the whole front channel for `client`: authorize, sign in as `username` if asked, approve
    /// consent if asked; returns the redirect back to the client.
    func authorize(
        _ client: CodeFlowClient,
        scope: String,
        challenge: String?,
        username: String = "alice",
        password: String = "alice-demo-password",
        extra: [(String, String)] = []
    ) async throws -> Page {
        var page = try await get(client.authorizationURL(server, scope: scope, challenge: challenge, extra: extra))
        if page.status == 200, page.formAction?.hasSuffix("/login") == true {
            page = try await submit(page, [("username", username), ("password", password)])
        }
        if page.status == 200, page.formAction?.hasSuffix("/consent") == true {
            page = try await submit(page, [("decision", "approve")])
        }
        return page
    }

    /// The code of a redirect back to `client`, checking `state` and `iss` on the way.
    func code(from page: Page, _ client: CodeFlowClient, state: String = "st-123") throws -> String {
        guard (300..<400).contains(page.status), let location = page.location, location.hasPrefix(client.redirectURI) else {
            throw FixtureError("expected a redirect to \(client.redirectURI), got \(page)")
        }
        let p = page.redirectParameters
        guard p["state"] == state, p["iss"] == server.issuer, let code = p["code"] else {
            throw FixtureError("the redirect lacks code, state or iss: \(location)")
        }
        return code
    }
}
