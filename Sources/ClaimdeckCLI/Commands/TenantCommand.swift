import ArgumentParser
import AuthEngine
import JOSE

/// Options of commands that work on one tenant's objects.
struct TenantScopedOptions: ParsableArguments {
    @Option(help: "The database: a SQLite file or a postgres:// URL.") var db: String?
    @Option(help: "The tenant.") var tenant: String
    @Flag(help: "JSON output.") var json = false
}

/// Options of commands that are not tenant-scoped.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The database: a SQLite file or a postgres:// URL.") var db: String?
    @Flag(help: "JSON output.") var json = false
}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Create, list, show and delete tenants.",
        subcommands: [Create.self, List.self, Show.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant with its signing keys.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Tenant id: lowercase letters, digits and '-'; the issuer is <public-url>/<id>.") var id: String
        @Option(help: "Display name.") var name: String?
        @Option(help: "Default signing algorithm: ES256, RS256 or EdDSA.") var alg = "ES256"

        func run() async throws {
            let algorithm = try parseAlgorithm(alg) ?? .es256
            let (engine, _) = try await EngineFactory.open(StoreOptions(db: options.db))
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
            let (engine, _) = try await EngineFactory.open(StoreOptions(db: options.db))
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
            let (engine, _) = try await EngineFactory.open(StoreOptions(db: options.db))
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
                    created:   \(Output.time(s.tenant.createdAt))
                    """
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
            let (engine, _) = try await EngineFactory.open(StoreOptions(db: options.db))
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
