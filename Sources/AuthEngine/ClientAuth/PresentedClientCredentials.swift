import Foundation
import JOSE

/// What a request offers as client authentication (RFC 6749 §2.3, RFC 7523 §2.2), before it is checked.
public enum PresentedClientCredentials: Sendable, Hashable {
    case none
    case basic(clientID: String, secret: String)
    case post(clientID: String, secret: String)
    /// `client_assertion` with its type; `clientID` is the optional `client_id` parameter.
    case assertion(clientID: String?, type: String, assertion: String)
    /// A public client naming itself.
    case clientIDOnly(String)

    public static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// Reads the credentials from the `Authorization` header and the form.
    ///
    /// Throws `invalid_client` for a malformed Basic header and `invalid_request` when more than one
    /// method is used at once (RFC 6749 §2.3: "MUST NOT use more than one").
    public static func from(authorization: String?, form: FormParameters, realm: String) throws(OAuthError) -> Self {
        var found: [Self] = []
        if let header = authorization {
            guard let credentials = AuthorizationHeader.credentials(header, scheme: "basic") else {
                throw .invalidClient("the Authorization header must use the Basic scheme for client authentication", realm: realm)
            }
            found.append(try parseBasic(credentials, realm: realm))
        }
        let formID = try form.single("client_id")
        if let secret = try form.single("client_secret") {
            guard let id = formID else { throw .invalidRequest("client_secret is sent without client_id") }
            found.append(.post(clientID: id, secret: secret))
        }
        if let assertion = try form.single("client_assertion") {
            guard let type = try form.single("client_assertion_type") else {
                throw .invalidRequest("client_assertion is sent without client_assertion_type")
            }
            found.append(.assertion(clientID: formID, type: type, assertion: assertion))
        } else if try form.single("client_assertion_type") != nil {
            throw .invalidRequest("client_assertion_type is sent without client_assertion")
        }
        if found.count > 1 {
            throw .invalidRequest("more than one client authentication method is used; use exactly one")
        }
        if let only = found.first {
            if case .basic(let id, _) = only, let formID, formID != id {
                throw .invalidRequest("client_id in the body does not match the Authorization header")
            }
            return only
        }
        if let formID { return .clientIDOnly(formID) }
        return .none
    }

    /// RFC 6749 §2.3.1: base64 of `urlencode(id):urlencode(secret)`.
    static func parseBasic(_ encoded: Substring, realm: String) throws(OAuthError) -> Self {
        guard let data = Data(base64Encoded: String(encoded)),
            let colon = data.firstIndex(of: UInt8(ascii: ":"))
        else {
            throw .invalidClient("malformed Basic authorization header: expected base64 of 'client_id:client_secret'", realm: realm)
        }
        guard let id = FormEncoding.decode(data[data.startIndex..<colon]), let secret = FormEncoding.decode(data[data.index(after: colon)...]),
            !id.isEmpty
        else {
            throw .invalidClient("malformed Basic authorization header: bad percent-encoding or empty client_id", realm: realm)
        }
        return .basic(clientID: id, secret: secret)
    }

    /// The client the request claims to be, when it names one.
    public var claimedClientID: String? {
        switch self {
        case .none: return nil
        case .basic(let id, _), .post(let id, _), .clientIDOnly(let id): return id
        case .assertion(let id, _, let assertion):
            if let id { return id }
            return JWS.parse(assertion)?.payload["sub"]?.stringValue
        }
    }
}
