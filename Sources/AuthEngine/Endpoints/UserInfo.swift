import Foundation
import JOSE

extension ClaimdeckEngine {
    /// OpenID Connect Core §5.3: the claims of the signed-in user that the access token's scopes allow.
    /// The token must be an active access token of the tenant carrying `openid`; failures answer as
    /// RFC 6750 §3.1 says (401 `invalid_token`, 403 `insufficient_scope`) and are audited.
    ///
    /// A DPoP-bound token (RFC 9449 §7) must come with the DPoP scheme and a proof made with its key
    /// over this request and the token (`ath`); presented as Bearer it is refused. A certificate-bound
    /// token (RFC 8705 §3) must come over a TLS connection with the certificate it is bound to.
    public func userinfo(
        tenantID: String,
        accessToken: String?,
        presentation: ResourcePresentation = ResourcePresentation()
    ) async throws(OAuthError) -> JSONValue {
        let (tenant, snapshot) = try tenant(tenantID)
        let dpop = presentation.scheme == .dpop
        let realm = dpop ? "DPoP realm=\"\(tenant.id)\"" : "Bearer realm=\"\(tenant.id)\""
        func invalidToken(_ d: String, dpopChallenge: Bool = dpop) -> OAuthError {
            OAuthError(
                code: "invalid_token",
                description: d,
                status: 401,
                challenge: dpopChallenge
                    ? DPoPFailure.challenge(realm: tenant.id, error: "invalid_token", description: d)
                    : "\(realm), error=\"invalid_token\", error_description=\"\(OAuthError.wireText(d))\""
            )
        }
        let now = clock.now()
        do throws(OAuthError) {
            guard let accessToken else {
                // RFC 6750 §3.1: no error code when the request had no credentials at all.
                throw OAuthError(
                    code: "invalid_request",
                    description: "send the access token as 'Authorization: Bearer <token>' or, DPoP-bound, 'Authorization: DPoP <token>'",
                    status: 401,
                    // Both schemes are offered (RFC 9449 §7.1), the DPoP one with its algorithms.
                    challenge: "Bearer realm=\"\(tenant.id)\", " + DPoPFailure.challenge(realm: tenant.id)
                )
            }
            let record: TokenRecord?
            do {
                record = try await TokenLocator.locate(accessToken, tenantID: tenant.id, store: store)
            } catch {
                throw .temporarilyUnavailable("the store did not answer; retry")
            }
            guard let record, record.kind == .access, record.status(at: now) == .active,
                let client = snapshot.client(tenant.id, record.clientID), !client.disabled
            else {
                throw invalidToken("the access token is not active")
            }
            let bound = DPoPProof.boundThumbprint(record.publicClaims)
            if dpop {
                guard let bound else { throw invalidToken("the access token is not DPoP-bound: send it with the Bearer scheme") }
                let proof = try await verifyDPoPProof(
                    presentation.dpopProofs,
                    method: presentation.method,
                    url: configuration.endpointURL("userinfo", tenantID: tenant.id, mutualTLS: presentation.viaMutualTLS),
                    tenant: tenant,
                    at: .resource(accessToken: accessToken)
                )
                guard proof.thumbprint == bound else {
                    throw DPoPFailure.invalid("the DPoP proof is made with another key than the one the access token is bound to")
                        .resourceError(realm: tenant.id)
                }
            } else if bound != nil {
                // RFC 9449 §7.2: a bound token presented as a bearer token proves nothing of its holder.
                throw invalidToken("the access token is DPoP-bound: send it as 'Authorization: DPoP' with a DPoP proof", dpopChallenge: true)
            }
            if let bound = TokenConfirmation(claims: record.publicClaims)?.certificateThumbprint {
                // RFC 8705 §3: 401 invalid_token when the connection's certificate is not the token's.
                guard let presented = presentation.clientCertificate else {
                    throw invalidToken(
                        "mtls: the access token is bound to a client certificate: send it over mutual TLS with that certificate "
                            + "(the mtls_endpoint_aliases userinfo endpoint)"
                    )
                }
                guard presented.thumbprint == bound else {
                    throw invalidToken("mtls: the access token is bound to another client certificate than this connection's")
                }
            }
            guard record.scopes.contains(StandardScopes.openid) else {
                throw .insufficientScope("the access token was not granted the openid scope", scope: StandardScopes.openid, realm: realm)
            }
            guard let user = try? await store.user(tenantID: tenant.id, id: record.subject), !user.disabled else {
                throw invalidToken("the user of this token is disabled or deleted")
            }
            let inputs = try await claimInputs(user: user, client: client, context: nil, scopes: record.scopes, snapshot: snapshot)
            var claims = ClaimResolver.dictionary(ClaimResolver.userClaims(.userinfo, inputs))
            claims["sub"] = .string(user.id)
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .userinfoServed,
                    tenantID: tenant.id,
                    clientID: record.clientID,
                    subject: user.id,
                    tokenID: record.id,
                    actor: "client:\(record.clientID)",
                    details: ["claims": claims.keys.sorted().joined(separator: " ")].merging(inputs.auditDetails) { $1 }
                )
            ])
            return .object(claims)
        } catch {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .userinfoRefused,
                    outcome: .failure,
                    tenantID: tenant.id,
                    reason: error.code,
                    actor: "http",
                    details: ["description": error.errorDescription, "scheme": presentation.scheme.rawValue].merging(
                        presentation.clientCertificate.map(Self.certificateAuditDetails) ?? [:]
                    ) { $1 }.merging(Self.bindingFailureDetails(error)) { $1 }
                )
            ])
            throw error
        }
    }
}
