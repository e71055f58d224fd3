import Foundation
import JOSE

extension DPoPFailure {
    /// The `WWW-Authenticate` challenge of the DPoP scheme (RFC 9449 §7.1), with the accepted `algs`.
    static func challenge(realm: String, error: String? = nil, description: String? = nil) -> String {
        var parts = ["DPoP realm=\"\(realm)\""]
        if let error { parts.append("error=\"\(error)\"") }
        if let description { parts.append("error_description=\"\(OAuthError.wireText(description))\"") }
        parts.append("algs=\"\(DPoPProof.algorithmNames.joined(separator: " "))\"")
        return parts.joined(separator: ", ")
    }

    /// At the token endpoint (RFC 9449 §5, §8): 400 with the RFC 6749 §5.2 body, the `DPoP-Nonce` to
    /// use next, and the DPoP challenge naming the accepted algorithms.
    func tokenEndpointError(realm: String, nonce: String? = nil) -> OAuthError {
        var error = OAuthError(code: code, description: reason, status: 400)
        error.challenge = Self.challenge(realm: realm, error: code, description: reason)
        error.dpopNonce = nonce
        return error
    }

    /// At a protected resource (RFC 9449 §7.1, §9): 401 with the DPoP challenge and no body fields
    /// beyond the error's.
    func resourceError(realm: String, nonce: String? = nil) -> OAuthError {
        var error = OAuthError(code: code, description: reason, status: 401)
        error.challenge = Self.challenge(realm: realm, error: code, description: reason)
        error.dpopNonce = nonce
        return error
    }
}

extension ClaimdeckEngine {
    /// How long one DPoP nonce of a tenant is current; the previous one is still accepted, so a proof
    /// made just before a rotation is not refused.
    static let dpopNonceWindow: TimeInterval = 300

    /// RFC 9449 §8: the tenant's current nonce when it requires one. Derived from the master key, the
    /// tenant and the time window, so every node gives and accepts the same nonces without sharing state.
    public func currentDPoPNonce(_ tenant: Tenant) -> String? {
        guard tenant.policy.requireDPoPNonce else { return nil }
        return dpopNonce(tenantID: tenant.id, window: dpopNonceWindow(at: clock.now()))
    }

    /// The nonces a proof may carry now (the current and the previous window's); nil when none is required.
    func acceptedDPoPNonces(_ tenant: Tenant) -> [String]? {
        guard tenant.policy.requireDPoPNonce else { return nil }
        let window = dpopNonceWindow(at: clock.now())
        return [window, window - 1].map { dpopNonce(tenantID: tenant.id, window: $0) }
    }

    private func dpopNonceWindow(at now: Date) -> Int64 {
        Int64((now.timeIntervalSince1970 / Self.dpopNonceWindow).rounded(.down))
    }

    private func dpopNonce(tenantID: String, window: Int64) -> String {
        "\(window)." + keyring.fingerprint("\(tenantID)|\(window)", purpose: "dpop nonce")
    }

    /// The verified DPoP proof of a token request, nil when it has none and the client may go without
    /// (RFC 9449 §5.2: `dpop_bound_access_tokens` makes one mandatory).
    func tokenEndpointProof(_ request: TokenEndpointRequest, tenant: Tenant, client: Client, url: String) async throws(OAuthError) -> DPoPProof? {
        if request.dpopProofs.isEmpty {
            guard !client.dpopBoundAccessTokens else {
                throw DPoPFailure.invalid("client '\(client.id)' must send a DPoP proof: its access tokens are DPoP-bound")
                    .tokenEndpointError(realm: tenant.id, nonce: currentDPoPNonce(tenant))
            }
            return nil
        }
        return try await verifyDPoPProof(
            request.dpopProofs,
            method: request.method,
            url: url,
            tenant: tenant,
            at: .authorizationServer,
            algorithms: Self.dpopAlgorithms(tenant: tenant, client: client)
        )
    }

    /// The DPoP algorithms `client` may prove with: FAPI 2.0 section 5.4.1's under the fapi2 profile.
    static func dpopAlgorithms(tenant: Tenant, client: Client) -> [SigningAlgorithm] {
        tenant.profile(for: client.spec) == .fapi2 ? FAPI2.signingAlgorithms : DPoPProof.algorithms
    }

    /// Who checks a proof, which decides the nonce and how a refusal answers.
    enum DPoPChecker {
        /// The token and PAR endpoints: a 400 JSON error (RFC 9449 §5, §8).
        case authorizationServer
        /// Userinfo, with the access token whose hash `ath` must be: a 401 challenge (§7, §9).
        case resource(accessToken: String)
    }

    /// Verifies the proof of a request to `url` (the endpoint's public URL) of `tenant`; a refusal
    /// comes back as the answer `checker`'s endpoint gives.
    func verifyDPoPProof(
        _ proofs: [String],
        method: String,
        url: String,
        tenant: Tenant,
        at checker: DPoPChecker,
        algorithms: [SigningAlgorithm] = DPoPProof.algorithms
    ) async throws(OAuthError) -> DPoPProof {
        // One nonce per tenant for its authorization server and its resource (userinfo) alike (§8, §9).
        var request = DPoPProofVerifier.Request(proofs: proofs, method: method, url: url, acceptedNonces: acceptedDPoPNonces(tenant))
        request.algorithms = algorithms
        if case .resource(let token) = checker { request.accessToken = token }
        do throws(DPoPFailure) {
            return try await DPoPProofVerifier(store: store, clock: clock).verify(request, tenantID: tenant.id)
        } catch {
            switch checker {
            case .authorizationServer: throw error.tokenEndpointError(realm: tenant.id, nonce: currentDPoPNonce(tenant))
            case .resource: throw error.resourceError(realm: tenant.id, nonce: currentDPoPNonce(tenant))
            }
        }
    }
}
