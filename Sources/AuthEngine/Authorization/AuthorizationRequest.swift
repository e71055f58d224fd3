import Foundation
import JOSE

/// A validated request to the authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID
/// Connect Core §3.1.2.1). Built only by `AuthorizationRequest.parse`, which decides whether a bad
/// request may be answered by redirecting to the client or must stop on an error page.
public struct AuthorizationRequest: Sendable, Hashable {
    public var tenantID: String
    public var client: Client
    /// The redirect URI the response goes to: exactly one of the client's registered ones.
    public var redirectURI: String
    /// Whether the request named it (then the token request must repeat it, RFC 6749 §4.1.3).
    public var redirectURIGiven: Bool
    public var scopes: [String]
    public var audiences: [String]
    public var state: String?
    public var nonce: String?
    /// RFC 7636 S256 challenge, nil only for a confidential client that turned PKCE off.
    public var codeChallenge: String?
    public var prompt: Set<String>
    public var maxAge: Int?
    public var loginHint: String?
    /// The parameters as received, to carry through the login and consent pages (for a pushed
    /// request: `client_id` and `request_uri` only; the store keeps the rest).
    public var parameters: FormParameters
    /// RFC 9449 §10: the JWK thumbprint (`dpop_jkt`) of the key the code is bound to.
    public var dpopKeyThumbprint: String? = nil
    /// The pushed request (RFC 9126) this one came from: used up when the code is issued.
    public var pushedRequestID: String? = nil
}

/// Why an authorization request failed, and where the answer goes.
public enum AuthorizationFailure: Error, Sendable {
    /// The client or the redirect URI cannot be trusted: show the error, never redirect (RFC 6749 §4.1.2.1).
    case errorPage(OAuthError)
    /// Tell the client, at its verified redirect URI, with its `state`.
    case redirect(OAuthError, redirectURI: String, state: String?)
}

extension AuthorizationRequest {
    static let maxStateBytes = 2048

    /// Validates the parameters in the order RFC 6749 §4.1.2.1 requires: first the client and the
    /// redirect URI (failures stop on an error page), then everything else (failures are redirected).
    ///
    /// - Parameter pushed: the parameters are those of a pushed request (RFC 9126), at push time or
    ///   named by a `request_uri`; otherwise a client or tenant that requires PAR is refused.
    static func parse(
        _ p: FormParameters,
        tenantID: String,
        snapshot: ConfigSnapshot,
        issuer: String,
        pushed: Bool = false
    ) -> Result<AuthorizationRequest, AuthorizationFailure> {
        // Client and redirect URI first.
        let client: Client
        let redirectURI: String
        let given: Bool
        do throws(OAuthError) {
            guard let clientID = try p.single("client_id") else { throw .invalidRequest("the request has no client_id") }
            guard let c = snapshot.client(tenantID, clientID), !c.disabled else {
                throw .invalidRequest("there is no client '\(Validation.printable(clientID))' in this tenant, or it is disabled")
            }
            client = c
            if let uri = try p.single("redirect_uri") {
                // Exact string comparison (RFC 9700 §4.1.3): no prefix, no normalisation.
                guard c.redirectURIs.contains(uri) else {
                    throw .invalidRequest("redirect_uri '\(Validation.printable(uri, limit: 200))' is not registered for client '\(c.id)'")
                }
                redirectURI = uri
                given = true
            } else {
                guard c.redirectURIs.count == 1 else {
                    throw .invalidRequest(
                        c.redirectURIs.isEmpty
                            ? "client '\(c.id)' has no registered redirect URI"
                            : "redirect_uri is required: client '\(c.id)' registered several"
                    )
                }
                redirectURI = c.redirectURIs[0]
                given = false
            }
        } catch {
            return .failure(.errorPage(error))
        }
        let rawState = (try? p.single("state")) ?? nil
        let state = rawState.map { $0.utf8.count <= maxStateBytes ? $0 : String(decoding: $0.utf8.prefix(maxStateBytes), as: UTF8.self) }
        do throws(OAuthError) {
            _ = try p.single("state")
            if rawState.map({ $0.utf8.count > maxStateBytes }) == true {
                throw .invalidRequest("state is longer than \(maxStateBytes) bytes")
            }
            if p.values["request"] != nil { throw OAuthError(code: "request_not_supported", description: "request objects are not supported") }
            if p.values["request_uri"] != nil {
                throw OAuthError(code: "invalid_request_uri", description: "request_uri must name a request pushed to the PAR endpoint")
            }
            if !pushed && snapshot.requiresPushedAuthorizationRequests(client) {
                let why = snapshot.profile(of: client) == .fapi2 ? " (the fapi2 profile, FAPI 2.0 section 5.3.2.2)" : ""
                throw .invalidRequest(
                    "client '\(client.id)' must push its authorization requests to the PAR endpoint and send client_id and request_uri here"
                        + why
                )
            }
            guard let responseType = try p.single("response_type") else { throw .invalidRequest("response_type is missing") }
            guard responseType == "code" else {
                throw OAuthError(code: "unsupported_response_type", description: "only response_type=code is supported")
            }
            if let mode = try p.single("response_mode"), mode != "query" {
                throw .invalidRequest("only response_mode=query is supported")
            }
            guard client.grantTypes.contains(.authorizationCode) else {
                throw .unauthorizedClient("client '\(client.id)' is not allowed the authorization_code grant")
            }
            let scopes = try ScopePolicy.granted(requested: p.single("scope"), client: client)
            let audiences = try AudiencePolicy.resolve(
                resources: p.all("resource"),
                audience: nil,
                client: client,
                scopes: scopes,
                snapshot: snapshot,
                fallback: scopes.contains(StandardScopes.openid) ? [issuer + "/userinfo"] : []
            )
            let challenge = try p.single("code_challenge")
            let method = try p.single("code_challenge_method")
            if let challenge {
                guard (method ?? "plain") == "S256" else {
                    throw .invalidRequest("code_challenge_method must be S256; 'plain' is not accepted")
                }
                guard PKCE.isValidChallenge(challenge) else {
                    throw .invalidRequest("code_challenge must be the 43-character base64url SHA-256 of the code_verifier")
                }
            } else if method != nil {
                throw .invalidRequest("code_challenge_method without code_challenge")
            } else if client.mustUsePKCE {
                throw .invalidRequest("code_challenge is required (PKCE, S256) for client '\(client.id)'")
            }
            let prompt = Set((try p.single("prompt"))?.split(separator: " ").map(String.init) ?? [])
            for value in prompt where !["none", "login", "consent", "select_account"].contains(value) {
                throw .invalidRequest("prompt '\(Validation.printable(value))' is not supported")
            }
            if prompt.contains("none") && prompt.count > 1 { throw .invalidRequest("prompt=none cannot be combined with other values") }
            var maxAge: Int?
            if let raw = try p.single("max_age") {
                guard let v = Int(raw), v >= 0 else { throw .invalidRequest("max_age must be a non-negative integer") }
                maxAge = v
            }
            let nonce = try p.single("nonce")
            if let nonce, nonce.utf8.count > 512 { throw .invalidRequest("nonce is longer than 512 bytes") }
            let loginHint = try p.single("login_hint")
            let dpopKey = try p.single("dpop_jkt")
            if let dpopKey, !PKCE.isValidChallenge(dpopKey) {
                // The same shape as an S256 challenge: 43 base64url characters of a SHA-256 (RFC 7638).
                throw .invalidRequest("dpop_jkt must be the 43-character base64url SHA-256 JWK thumbprint (RFC 7638) of the DPoP key")
            }
            return .success(
                AuthorizationRequest(
                    tenantID: tenantID,
                    client: client,
                    redirectURI: redirectURI,
                    redirectURIGiven: given,
                    scopes: scopes,
                    audiences: audiences,
                    state: state,
                    nonce: nonce,
                    codeChallenge: challenge,
                    prompt: prompt,
                    maxAge: maxAge,
                    loginHint: loginHint.map { Validation.printable($0, limit: 200) },
                    parameters: p,
                    dpopKeyThumbprint: dpopKey
                )
            )
        } catch {
            return .failure(.redirect(error, redirectURI: redirectURI, state: state))
        }
    }
}

/// RFC 7636 with S256 only.
enum PKCE {
    private static func isUnreserved(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    static func isValidChallenge(_ c: String) -> Bool {
        c.utf8.count == 43 && c.utf8.allSatisfy { isUnreserved($0) && $0 != 0x2E && $0 != 0x7E }
    }

    /// §4.1: 43 to 128 unreserved characters.
    static func isValidVerifier(_ v: String) -> Bool {
        (43...128).contains(v.utf8.count) && v.utf8.allSatisfy(isUnreserved)
    }

    static func challenge(for verifier: String) -> String {
        Base64URL.encode(SecretDigest.sha256(verifier))
    }
}
