import Foundation
import JOSE

/// The PAR endpoint's answer (RFC 9126 §2.2), sent with 201 Created.
public struct PushedAuthorizationResponse: Sendable, Hashable {
    /// `urn:ietf:params:oauth:request_uri:<256 random bits>`.
    public var requestURI: String
    /// Seconds until the `request_uri` expires.
    public var expiresIn: Int

    /// The JSON body.
    public func json() -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        w.field("request_uri", requestURI)
        w.field("expires_in", Int64(expiresIn))
        w.endObject()
        return w.bytes
    }
}

extension ClaimdeckEngine {
    /// How long a pushed request may wait for the authorization endpoint (RFC 9126 §2.2 suggests 5 to
    /// 600 s): long enough for a browser redirect, too short to be worth stealing.
    public static let pushedRequestLifetime = 60

    /// Parameters of a PAR request that authenticate the client and are not part of the authorization request.
    static let clientAuthenticationParameters = ["client_secret", "client_assertion", "client_assertion_type"]

    /// The pushed authorization request endpoint (RFC 9126 §2): the client authenticates as at the
    /// token endpoint, the parameters are validated as the authorization endpoint would (so errors
    /// come back here, as JSON, instead of at the redirect URI), and the request is kept, bound to
    /// the client, for `pushedRequestLifetime` seconds and one use.
    public func pushAuthorizationRequest(_ request: TokenEndpointRequest) async throws(OAuthError) -> PushedAuthorizationResponse {
        let (tenant, snapshot) = try tenant(request.tenantID)
        let client = try await authenticateCaller(
            request,
            tenant: tenant,
            snapshot: snapshot,
            endpoint: "par",
            allowPublic: true,
            failedEvent: .authorizationRefused
        )
        let now = clock.now()
        do throws(OAuthError) {
            if request.form.values["request_uri"] != nil {
                throw .invalidRequest("request_uri cannot be pushed (RFC 9126 section 2.1): push the request's own parameters")
            }
            var values = request.form.values
            for name in Self.clientAuthenticationParameters { values[name] = nil }
            // Client authentication already held the body's client_id to the authenticated client.
            values["client_id"] = [client.id]
            if !request.dpopProofs.isEmpty {
                // RFC 9449 §10.1: a proof at the PAR endpoint binds the code as `dpop_jkt` would.
                let proof = try await verifyDPoPProof(
                    request.dpopProofs,
                    method: request.method,
                    url: configuration.endpointURL("par", tenantID: tenant.id, mutualTLS: request.viaMutualTLS),
                    tenant: tenant,
                    at: .authorizationServer,
                    algorithms: Self.dpopAlgorithms(tenant: tenant, client: client)
                )
                if let named = try request.form.single("dpop_jkt"), named != proof.thumbprint {
                    throw DPoPFailure.invalid("dpop_jkt is not the thumbprint of the DPoP proof's key").tokenEndpointError(realm: tenant.id)
                }
                values["dpop_jkt"] = [proof.thumbprint]
            }
            let parameters = FormParameters(values)
            switch AuthorizationRequest.parse(
                parameters,
                tenantID: tenant.id,
                snapshot: snapshot,
                issuer: configuration.issuer(for: tenant.id),
                pushed: true
            ) {
            case .success: break
            case .failure(.errorPage(let error)), .failure(.redirect(let error, _, _)): throw error
            }
            let pushed = PushedAuthorizationRequest(
                id: ids.secret(bytes: 32),
                tenantID: tenant.id,
                clientID: client.id,
                parameters: parameters,
                createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(Self.pushedRequestLifetime))
            )
            do {
                try await store.putPushedRequest(
                    pushed,
                    audit: [
                        AuditEventDraft(
                            time: now,
                            type: .authorizationPushed,
                            tenantID: tenant.id,
                            clientID: client.id,
                            actor: "client:\(client.id)",
                            details: [
                                "scope": ((try? parameters.single("scope")) ?? nil).map { Validation.printable($0, limit: 200) } ?? "",
                                "expires_in": "\(Self.pushedRequestLifetime)",
                            ]
                        )
                    ]
                )
            } catch {
                throw .temporarilyUnavailable("the pushed request could not be stored; retry")
            }
            return PushedAuthorizationResponse(requestURI: pushed.requestURI, expiresIn: Self.pushedRequestLifetime)
        } catch {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .authorizationRefused,
                    outcome: .failure,
                    tenantID: tenant.id,
                    clientID: client.id,
                    reason: error.code,
                    actor: "client:\(client.id)",
                    details: ["description": error.errorDescription, "endpoint": "par", "remote_address": request.remoteAddress ?? ""]
                )
            ])
            throw error
        }
    }
}
