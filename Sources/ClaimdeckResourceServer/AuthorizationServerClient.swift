import AsyncHTTPClient
import Foundation
import JOSE
import NIOCore
import NIOHTTP1

/// The library's calls to the authorization server: discovery, JWKS and introspection, over AsyncHTTPClient.
///
/// Every failure becomes `TokenValidationError.authorizationServerUnavailable` with the URL and the
/// status or transport error, never a token or a secret.
struct AuthorizationServerClient: Sendable {
    let http: HTTPClient
    let timeout: TimeInterval

    /// Largest response body read (a JWKS or introspection answer is a few kilobytes).
    static let maximumBodyBytes = 1024 * 1024

    /// A response's status, headers and body.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer

        func jsonObject(from url: String) throws(TokenValidationError) -> [String: JSONValue] {
            guard let object = try? JSONValue(parsing: Data(body.readableBytesView)).objectValue else {
                throw .authorizationServerUnavailable(reason: "\(url) did not answer a JSON object")
            }
            return object
        }

        /// The `Content-Type` without its parameters, lowercased (RFC 9110 §8.3.1: media types are
        /// case-insensitive); nil when absent.
        var mediaType: String? {
            headers.first(name: "Content-Type")?.split(separator: ";", omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
    }

    func get(_ url: String) async throws(TokenValidationError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        return try await execute(request, url: url)
    }

    /// POSTs a form, authenticated with HTTP Basic, asking for `accept`.
    func postForm(
        _ url: String,
        _ form: [(String, String)],
        basic: ResourceServerConfiguration.ClientCredentials,
        accept: String = "application/json"
    ) async throws(TokenValidationError)
        -> Answer
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: accept)
        // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
        let joined = Self.formEncode(basic.id) + ":" + Self.formEncode(basic.secret)
        request.headers.add(name: "Authorization", value: "Basic " + Data(joined.utf8).base64EncodedString())
        let body = form.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await execute(request, url: url)
    }

    /// Sends a JSON body (or none) with a bearer token: the SSF stream management calls.
    func sendJSON(_ method: HTTPMethod, _ url: String, bearer: String, body: JSONValue?) async throws(TokenValidationError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer " + bearer)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        }
        return try await execute(request, url: url)
    }

    private func execute(_ request: HTTPClientRequest, url: String) async throws(TokenValidationError) -> Answer {
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
            return Answer(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw .authorizationServerUnavailable(reason: "\(url): \(error)")
        }
    }

    /// `application/x-www-form-urlencoded` for one component: everything but `A-Za-z0-9-._~` as `%XX`.
    static func formEncode(_ string: String) -> String {
        var out = ""
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
