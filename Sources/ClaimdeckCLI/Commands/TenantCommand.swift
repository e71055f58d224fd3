import ArgumentParser
import AuthEngine
import JOSE

extension TenantScopedOptions {
    /// The store and the public URL these options name.
    var store: StoreOptions { StoreOptions(db: db, publicURL: publicURL) }
}

extension GlobalOptions {
    /// The store and the public URL these options name.
    var store: StoreOptions { StoreOptions(db: db, publicURL: publicURL) }
}

/// Options of commands that work on one tenant's objects.
struct TenantScopedOptions: ParsableArguments {
    @Option(help: "The database: a SQLite file or a postgres:// URL.") var db: String?
    @Option(
        name: .customLong("public-url"),
        help: "Base URL clients use: the issuer is <public-url>/<tenant> (default: CLAIMDECK_PUBLIC_URL, else http://127.0.0.1:8080)."
    )
    var publicURL: String?
    @Option(help: "The tenant.") var tenant: String
    @Flag(help: "JSON output.") var json = false
}

/// Options of commands that are not tenant-scoped.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The database: a SQLite file or a postgres:// URL.") var db: String?
    @Option(
        name: .customLong("public-url"),
        help: "Base URL clients use: the issuer is <public-url>/<tenant> (default: CLAIMDECK_PUBLIC_URL, else http://127.0.0.1:8080)."
    )
    var publicURL: String?
    @Flag(help: "JSON output.") var json = false
}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Create, list, show, update and delete tenants.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant with its signing keys.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Tenant id: lowercase letters, digits and '-'; the issuer is <public-url>/<id>.") var id: String
        @Option(help: "Display name.") var name: String?
        @Option(help: "Default signing algorithm: ES256, RS256 or EdDSA.") var alg = "ES256"

        func run() async throws {
            let algorithm = try parseAlgorithm(alg) ?? .es256
            let (engine, _) = try await EngineFactory.open(options.store)
            let tenant = try await engine.createTenant(id: id, displayName: name, algorithm: algorithm, actor: "cli")
            let summary = try engine.tenantSummary(tenant.id)
            Output(json: options.json).emit(
                Present.tenant(summary),
                human: "Created tenant '\(tenant.id)' (issuer \(summary.issuer), \(algorithm.rawValue) keys: one active, one published next)"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants with their counts.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let list = engine.tenantSummaries()
            Output(json: options.json).emit(
                .array(list.map(Present.tenant)),
                human: list.isEmpty
                    ? "No tenants. Create one with 'claimdeck tenant create NAME' or load the demo with 'claimdeck demo load'."
                    : Output.table(
                        ["TENANT", "NAME", "CLIENTS", "KEYS", "ISSUER"],
                        list.map { [$0.tenant.id, $0.tenant.displayName, "\($0.clients)", "\($0.keys)", $0.issuer] }
                    )
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one tenant.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Tenant id.") var id: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let s = try engine.tenantSummary(id)
            Output(json: options.json).emit(
                Present.tenant(s),
                human: """
                    tenant:    \(s.tenant.id)
                    name:      \(s.tenant.displayName)
                    issuer:    \(s.issuer)
                    algorithm: \(s.tenant.defaultAlgorithm.rawValue)
                    clients:   \(s.clients)
                    keys:      \(s.keys)
                    scopes:    \(s.scopes)
                    apis:      \(s.apis)
                    retention: \(Present.policyText(s.tenant.policy))
                    created:   \(Output.time(s.tenant.createdAt))
                    """
            )
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a tenant's retention, introspection auditing, PAR and DPoP nonce requirements, and security profile.",
            discussion: """
                --token-retention: how long a token's row is kept after it expired or was revoked (1h to 3650d; \
                default 7d), then the server's janitor deletes it (see 'claimdeck token prune'). \
                --introspection-audit: 'every' (one audit event per introspection, the default) or a window \
                (e.g. 60s, at most 1h): one event per token, caller and answer per window, with the count. \
                --require-par true: every client must push its authorization requests to /<tenant>/par (RFC 9126). \
                --dpop-nonce true: DPoP proofs at the token endpoint must carry the tenant's rotating nonce (RFC 9449 section 8). \
                --profile fapi2: every client is under the FAPI 2.0 Security Profile (refused while a client does not meet it); \
                --profile none takes the tenant off it.
                """
        )
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Tenant id.") var id: String
        @Option(name: .customLong("token-retention"), help: "Keep a token's row this long after it expired or was revoked (7d, 12h, ...).")
        var tokenRetention: String?
        @Option(name: .customLong("introspection-audit"), help: "'every', or a window (60s) over which introspections are folded into one event.")
        var introspectionAudit: String?
        @Option(name: .customLong("require-par"), help: "true: every client must push its authorization requests first (RFC 9126).")
        var requirePAR: Bool?
        @Option(name: .customLong("dpop-nonce"), help: "true: DPoP proofs must carry the tenant's rotating nonce (RFC 9449 section 8).")
        var dpopNonce: Bool?
        @Option(help: "fapi2: every client is under the FAPI 2.0 Security Profile; none: off.") var profile: String?

        func validate() throws {
            guard tokenRetention != nil || introspectionAudit != nil || requirePAR != nil || dpopNonce != nil || profile != nil else {
                throw ValidationError(
                    "nothing to change: give --token-retention, --introspection-audit, --require-par, --dpop-nonce or --profile"
                )
            }
        }

        func run() async throws {
            let retention = try tokenRetention.map { text in
                guard let s = TimeInput.seconds(text) else {
                    throw ValidationError("--token-retention: '\(text)' is not a length of time; write e.g. 7d, 12h or 3600")
                }
                return s
            }
            let window = try introspectionAudit.map { text in
                if text == "every" { return 0 }
                guard let s = TimeInput.seconds(text) else {
                    throw ValidationError("--introspection-audit: '\(text)' is neither 'every' nor a window such as 60s")
                }
                return s
            }
            let securityProfile = try parseProfile(profile)
            let (engine, _) = try await EngineFactory.open(options.store)
            let tenant = try await engine.updateTenantPolicy(id, actor: "cli") { p in
                if let securityProfile { p.profile = securityProfile }
                if let retention { p.tokenRetention = retention }
                if let window { p.introspectionAuditWindow = window }
                if let requirePAR { p.requirePushedAuthorizationRequests = requirePAR }
                if let dpopNonce { p.requireDPoPNonce = dpopNonce }
            }
            Output(json: options.json).emit(
                Present.tenant(try engine.tenantSummary(tenant.id)),
                human: "Tenant '\(tenant.id)': \(Present.policyText(tenant.policy))"
            )
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a tenant and everything it owns (refused while it has clients unless --force)."
        )
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Tenant id.") var id: String
        @Flag(help: "Delete even though it has clients.") var force = false
        @Flag(name: .customLong("dry-run"), help: "Show what would be destroyed; change nothing.") var dryRun = false

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            if dryRun {
                let s = try await engine.tenantDeletionPreview(id)
                let t = try engine.tenantSummary(id)
                Output(json: options.json).emit(
                    Present.revocation(s, dryRun: true),
                    human: "Dry run: deleting tenant '\(id)' removes \(t.clients) client(s), \(t.keys) key(s).\n"
                        + Present.revocationText(s, dryRun: true, what: "all tokens of tenant \(id)")
                )
                return
            }
            let s = try await engine.deleteTenant(id, force: force, actor: "cli")
            Output(json: options.json).emit(
                Present.revocation(s, dryRun: false),
                human: "Deleted tenant '\(id)'.\n" + Present.revocationText(s, dryRun: false, what: "all tokens of tenant \(id)")
            )
        }
    }
}
