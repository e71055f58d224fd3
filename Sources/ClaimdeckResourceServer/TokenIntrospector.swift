import Foundation
import JOSE

/// The phantom-token path: an opaque token is sent to the issuer's introspection endpoint (RFC 7662
/// §2.1) with the API's own client credentials, and an active answer is checked like a JWT's claims.
/// With `IntrospectionFormat.signed` the answer must be an RFC 9701 JWT (`SignedIntrospectionAnswer`),
/// whose `token_introspection` claim is then read exactly as a JSON answer is.
struct TokenIntrospector: Sendable {
    let configuration: ResourceServerConfiguration
    let client: AuthorizationServerClient
    let endpoints: IssuerEndpoints
    let checks: ClaimChecks
    let signed: SignedIntrospectionAnswer

    func introspect(_ token: String, at now: () -> Date) async throws(TokenValidationError) -> Principal {
        guard let credentials = configuration.introspectionClient else {
            throw .invalidToken(reason: "the token is not a JWT and this API does not introspect opaque tokens")
        }
        guard let url = try await endpoints.endpoints().introspectionURL else {
            throw .authorizationServerUnavailable(reason: "the issuer publishes no introspection_endpoint")
        }
        let form = [("token", token), ("token_type_hint", "access_token")]
        let answer: AuthorizationServerClient.Answer
        switch configuration.introspectionFormat {
        case .json: answer = try await client.postForm(url, form, basic: credentials)
        case .signed: answer = try await client.postForm(url, form, basic: credentials, accept: SignedIntrospectionAnswer.mediaType)
        }
        guard answer.status == 200 else {
            // 401 here means the API's own credentials are wrong: an operator's problem, not the caller's.
            throw .authorizationServerUnavailable(reason: "\(url) answered HTTP \(answer.status) to introspection")
        }
        let claims: [String: JSONValue]
        switch configuration.introspectionFormat {
        case .json: claims = try answer.jsonObject(from: url)
        case .signed: claims = try await signed.introspection(in: answer, from: url, audience: credentials.id, at: now())
        }
        guard let active = claims["active"]?.boolValue else {
            throw .authorizationServerUnavailable(reason: "\(url) answered without a boolean \"active\"")
        }
        guard active else { throw .invalidToken(reason: "the token is not active (expired, revoked or unknown)") }
        return try checks.principal(from: claims, at: now(), source: .introspection, requireTokenClaims: false)
    }
}
