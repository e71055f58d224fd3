import ArgumentParser
import AuthEngine
import Foundation
import JOSE

/// Settings shared by `client register` and `client update`.
struct ClientSettings: ParsableArguments {
    @Option(help: "Display name.") var name: String?
    @Option(name: .customLong("scope"), help: "Allowed scope (repeat).") var scopes: [String] = []
    @Option(name: .customLong("audience"), help: "Allowed audience (repeat).") var audiences: [String] = []
    @Option(name: .customLong("grant"), help: "Grant type (repeat); default client_credentials.") var grants: [String] = []
    @Option(name: .customLong("redirect-uri"), help: "Redirect URI (repeat).") var redirectURIs: [String] = []
    @Option(help: "Access-token format: jwt or opaque.") var format: String?
    @Option(help: "Access-token lifetime in seconds.") var lifetime: Int?
    @Option(help: "Signing algorithm: ES256, PS256, RS256 or EdDSA (default: the tenant's).") var alg: String?
    @Option(name: .customLong("third-party"), help: "true: users must consent to its scopes (default false: first party).") var thirdParty: Bool?
    @Option(name: .customLong("require-pkce"), help: "PKCE on the code flow (default true; always true for public clients).") var requirePKCE: Bool?
    @Option(name: .customLong("refresh-lifetime"), help: "Refresh-token lifetime in seconds, renewed on every use (default 14 days).")
    var refreshLifetime: Int?
    @Option(
        name: .customLong("refresh-absolute-lifetime"),
        help: "No refresh token outlives the sign-in by more than this, seconds (default 90 days)."
    ) var refreshAbsoluteLifetime: Int?
    @Option(name: .customLong("post-logout-redirect-uri"), help: "Where logout may return to (repeat).") var postLogoutRedirectURIs: [String] = []
    @Option(name: .customLong("revoke-on-logout"), help: "true: logging out revokes this client's tokens of that session.") var revokeOnLogout: Bool?
    @Option(
        name: .customLong("require-par"),
        help: "true: authorization requests must be pushed to /<tenant>/par first (RFC 9126); a plain one is refused."
    ) var requirePAR: Bool?
    @Option(
        name: .customLong("dpop-bound"),
        help: "true: every token request must carry a DPoP proof, so access tokens are DPoP-bound (RFC 9449 dpop_bound_access_tokens)."
    ) var dpopBound: Bool?
    @Option(
        name: .customLong("refresh-retry-grace"),
        help:
            "Seconds (0 to 300; 0: off) in which a rotated refresh token presented again returns the same new tokens instead of revoking the family."
    ) var refreshRetryGrace: Int?
    @Option(name: .customLong("tls-subject-dn"), help: "tls_client_auth: the certificate's subject DN (RFC 4514, e.g. CN=orders,O=Example).")
    var tlsSubjectDN: String?
    @Option(name: .customLong("tls-san-dns"), help: "tls_client_auth: a DNS name SAN the certificate carries (instead of the subject DN).")
    var tlsSANDNS: String?
    @Option(name: .customLong("tls-san-uri"), help: "tls_client_auth: a URI SAN the certificate carries.") var tlsSANURI: String?
    @Option(name: .customLong("tls-san-ip"), help: "tls_client_auth: an IP address SAN the certificate carries.") var tlsSANIP: String?
    @Option(name: .customLong("tls-san-email"), help: "tls_client_auth: an email SAN the certificate carries.") var tlsSANEmail: String?
    @Option(
        name: .customLong("certificate-bound"),
        help: "true: access tokens are bound to the client certificate of the token request (RFC 8705 tls_client_certificate_bound_access_tokens)."
    ) var certificateBound: Bool?
    @Option(
        help: "Security profile: fapi2 (the FAPI 2.0 Security Profile: PAR, PKCE, sender-constrained tokens, no shared secret) or none."
    ) var profile: String?

    func tokenFormat() throws -> TokenFormat? {
        guard let format else { return nil }
        guard let f = TokenFormat(rawValue: format) else {
            throw AdminError.invalid(field: "--format", "'\(format)' is not valid; use jwt or opaque")
        }
        return f
    }

    func algorithm() throws -> SigningAlgorithm? { try parseAlgorithm(alg) }

    func securityProfile() throws -> SecurityProfile? { try parseProfile(profile) }

    /// The options given, as an edit of a client's settings (list options replace the whole list);
    /// nil when none was given. A bad value is refused here, before anything is opened.
    func edit() throws -> ((inout ClientSpec) -> Void)? {
        var edits: [(inout ClientSpec) -> Void] = []
        func on<T>(_ keyPath: WritableKeyPath<ClientSpec, T>, _ value: T?) {
            if let value { edits.append { $0[keyPath: keyPath] = value } }
        }
        func onOptional<T>(_ keyPath: WritableKeyPath<ClientSpec, T?>, _ value: T?) {
            if let value { edits.append { $0[keyPath: keyPath] = value } }
        }
        func list(_ values: [String]) -> [String]? { values.isEmpty ? nil : values }
        on(\.name, name)
        on(\.scopes, list(scopes))
        on(\.audiences, list(audiences))
        on(\.grantTypes, list(grants)?.map(GrantType.init(rawValue:)))
        on(\.redirectURIs, list(redirectURIs))
        on(\.tokenFormat, try tokenFormat())
        onOptional(\.accessTokenLifetime, lifetime)
        onOptional(\.signingAlgorithm, try algorithm())
        on(\.thirdParty, thirdParty)
        on(\.requirePKCE, requirePKCE)
        onOptional(\.refreshTokenLifetime, refreshLifetime)
        onOptional(\.refreshTokenAbsoluteLifetime, refreshAbsoluteLifetime)
        on(\.postLogoutRedirectURIs, list(postLogoutRedirectURIs))
        on(\.revokeRefreshTokensOnLogout, revokeOnLogout)
        on(\.requirePushedAuthorizationRequests, requirePAR)
        on(\.dpopBoundAccessTokens, dpopBound)
        on(\.refreshTokenRetryGrace, refreshRetryGrace)
        on(\.tlsClientCertificateBoundAccessTokens, certificateBound)
        on(\.profile, try securityProfile())
        let names = [tlsSubjectDN, tlsSANDNS, tlsSANURI, tlsSANIP, tlsSANEmail]
        if names.contains(where: { $0 != nil }) {
            // RFC 8705 §2.1.2: one name at a time; naming a new one replaces the old.
            edits.append { [names] spec in
                spec.tlsClientAuthSubjectDN = names[0]
                spec.tlsClientAuthSANDNS = names[1]
                spec.tlsClientAuthSANURI = names[2]
                spec.tlsClientAuthSANIP = names[3]
                spec.tlsClientAuthSANEmail = names[4]
            }
        }
        guard !edits.isEmpty else { return nil }
        return { [edits] spec in for edit in edits { edit(&spec) } }
    }
}

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Register and manage OAuth clients.",
        subcommands: [
            Register.self, List.self, Show.self, Update.self, Disable.self, Enable.self, RotateSecret.self, Delete.self,
            RegistrationToken.self, ExchangePolicyCommand.self,
        ]
    )

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a client; a generated secret is shown once.")
        @OptionGroup var options: TenantScopedOptions
        @OptionGroup var settings: ClientSettings
        @Option(help: "client_id (default: derived from the name).") var id: String?
        @Option(help: "confidential or public.") var type = "confidential"
        @Option(
            name: .customLong("auth-method"),
            help: "client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth or none."
        ) var authMethod: String?
        @Option(help: "JWKS file with the client's public keys (private_key_jwt, self_signed_tls_client_auth).") var jwks: String?

        func run() async throws {
            guard let clientType = ClientType(rawValue: type) else {
                throw AdminError.invalid(field: "--type", "'\(type)' is not valid; use confidential or public")
            }
            var method: ClientAuthMethod?
            if let authMethod {
                guard let m = ClientAuthMethod(rawValue: authMethod) else {
                    throw AdminError.invalid(
                        field: "--auth-method",
                        "'\(authMethod)' is not valid; use \(ClientAuthMethod.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                method = m
            }
            guard let name = settings.name ?? id else { throw AdminError.invalid(field: "--name", "give the client a name (or an --id)") }
            var keySet: JWKSet?
            if let jwks {
                guard let data = FileManager.default.contents(atPath: jwks) else {
                    throw AdminError.invalid(field: "--jwks", "cannot read '\(jwks)'")
                }
                do { keySet = try JSONDecoder().decode(JWKSet.self, from: data) } catch {
                    throw AdminError.invalid(field: "--jwks", "'\(jwks)' is not a JWK Set ({\"keys\": [...]})")
                }
            }
            var spec = ClientSpec(name: name, type: clientType, authMethod: method, jwks: keySet)
            try settings.edit()?(&spec)
            let (engine, _) = try await EngineFactory.open(options.store)
            let result = try await engine.registerClient(tenantID: options.tenant, id: id, spec, actor: "cli")
            Output(json: options.json).emit(
                Present.client(result.client, secret: result.secret, snapshot: engine.config.snapshot),
                human: Present.clientText(result.client, secret: result.secret, snapshot: engine.config.snapshot)
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's clients.")
        @OptionGroup var options: TenantScopedOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let list = try engine.clients(tenantID: options.tenant)
            Output(json: options.json).emit(
                .array(list.map { Present.client($0) }),
                human: list.isEmpty
                    ? "No clients in tenant '\(options.tenant)'."
                    : Output.table(
                        ["CLIENT", "NAME", "TYPE", "FORMAT", "GRANTS", "STATUS"],
                        list.map {
                            [
                                $0.id, $0.name, $0.type.rawValue, $0.tokenFormat.rawValue, $0.grantTypes.map(\.rawValue).joined(separator: ","),
                                $0.disabled ? "✕ disabled" : "● enabled",
                            ]
                        }
                    )
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a client (never its secret).")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var id: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let c = try engine.client(tenantID: options.tenant, clientID: id)
            Output(json: options.json).emit(
                Present.client(c, snapshot: engine.config.snapshot),
                human: Present.clientText(c, snapshot: engine.config.snapshot)
            )
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a client's settings; list options replace the whole list.")
        @OptionGroup var options: TenantScopedOptions
        @OptionGroup var settings: ClientSettings
        @Argument(help: "client_id.") var id: String

        func run() async throws {
            let edit = try settings.edit()
            let (engine, _) = try await EngineFactory.open(options.store)
            _ = try engine.client(tenantID: options.tenant, clientID: id)
            guard let edit else { throw AdminError.invalid(field: "changes", "nothing to change: give at least one option") }
            let c = try await engine.updateClient(tenantID: options.tenant, clientID: id, actor: "cli", edit)
            Output(json: options.json).emit(
                Present.client(c, snapshot: engine.config.snapshot),
                human: "Updated client '\(id)'.\n" + Present.clientText(c, snapshot: engine.config.snapshot)
            )
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a client: it cannot authenticate and its tokens introspect inactive.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var id: String

        func run() async throws { try await ClientCommand.setDisabled(true, id: id, options: options) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled client.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var id: String

        func run() async throws { try await ClientCommand.setDisabled(false, id: id, options: options) }
    }

    static func setDisabled(_ disabled: Bool, id: String, options: TenantScopedOptions) async throws {
        let (engine, _) = try await EngineFactory.open(options.store)
        let c = try await engine.setClientDisabled(tenantID: options.tenant, clientID: id, disabled: disabled, actor: "cli")
        Output(json: options.json).emit(
            Present.client(c),
            human: "\(disabled ? "Disabled" : "Enabled") client '\(id)'. \(Present.configurationInForce)"
        )
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Generate a new secret (shown once); the old one stops working."
        )
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var id: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let r = try await engine.rotateClientSecret(tenantID: options.tenant, clientID: id, actor: "cli")
            Output(json: options.json).emit(
                .object(["client_id": .string(id), "client_secret": .string(r.secret ?? "")]),
                human:
                    "New secret for '\(id)': \(r.secret ?? "")\nThis secret is shown once. The old secret no longer works: \(Present.configurationInForce)"
            )
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a client and revoke its tokens.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var id: String
        @Flag(name: .customLong("dry-run"), help: "Show what would be revoked; change nothing.") var dryRun = false

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            _ = try engine.client(tenantID: options.tenant, clientID: id)
            if dryRun {
                let s = try await engine.previewRevocation(.client(tenantID: options.tenant, clientID: id))
                Output(json: options.json).emit(
                    Present.revocation(s, dryRun: true),
                    human: Present.revocationText(s, dryRun: true, what: "client \(id)")
                )
                return
            }
            let s = try await engine.deleteClient(tenantID: options.tenant, clientID: id, actor: "cli")
            Output(json: options.json).emit(
                Present.revocation(s, dryRun: false),
                human: "Deleted client '\(id)'.\n" + Present.revocationText(s, dryRun: false, what: "tokens of client \(id)")
            )
        }
    }

    struct RegistrationToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "registration-token",
            abstract: "Mint an initial access token for dynamic registration (RFC 7591)."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "Lifetime in seconds.") var ttl = 3600
        @Option(help: "How many registrations it allows.") var uses = 1

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let (token, record) = try await engine.createRegistrationToken(tenantID: options.tenant, lifetime: ttl, uses: uses, actor: "cli")
            Output(json: options.json).emit(
                .object([
                    "initial_access_token": .string(token), "expires_at": .string(Output.time(record.expiresAt)), "uses": .number(Double(uses)),
                    "registration_endpoint": .string(engine.configuration.issuer(for: options.tenant) + "/register"),
                ]),
                human:
                    "Initial access token (shown once): \(token)\nUse: POST \(engine.configuration.issuer(for: options.tenant))/register with 'Authorization: Bearer <token>'; valid until \(Output.time(record.expiresAt)) for \(uses) registration(s)."
            )
        }
    }
}
