import ArgumentParser
import AuthEngine
import JOSE

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "List, rotate and retire a tenant's signing keys.",
        subcommands: [List.self, Rotate.self, Retire.self]
    )

    static func change(_ c: KeyChange, dryRun: Bool) -> JSONValue {
        .object([
            "dry_run": .bool(dryRun), "activated": c.activated.map(JSONValue.string) ?? .null, "retired": c.retired.map(JSONValue.string) ?? .null,
            "next": c.next.map(JSONValue.string) ?? .null, "published_until": c.publishedUntil.map { .string(Output.time($0)) } ?? .null,
            "outstanding_tokens": .number(Double(c.outstandingTokens)),
        ])
    }

    static func changeText(_ c: KeyChange, dryRun: Bool) -> String {
        var lines = [dryRun ? "Dry run (nothing changed):" : "Done:"]
        if let a = c.activated { lines.append("  now signing:  \(a)") }
        if let r = c.retired {
            lines.append("  retired:      \(r) (\(c.outstandingTokens) live token(s) it signed; published until \(Output.time(c.publishedUntil)))")
        }
        if let n = c.next { lines.append("  next:         \(n) (published now, signs at the next rotation)") }
        if !dryRun { lines.append(Present.configurationInForce) }
        return lines.joined(separator: "\n")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys with their state and live tokens.")
        @OptionGroup var options: TenantScopedOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let keys = try await engine.keys(tenantID: options.tenant)
            Output(json: options.json).emit(
                .array(
                    keys.map { k in
                        .object([
                            "kid": .string(k.record.kid), "alg": .string(k.record.algorithm.rawValue), "state": .string(k.record.state.rawValue),
                            "created_at": .string(Output.time(k.record.createdAt)), "published": .bool(k.published),
                            "published_until": k.record.publishUntil.map { .string(Output.time($0)) } ?? .null,
                            "outstanding_tokens": .number(Double(k.outstandingTokens)),
                        ])
                    }
                ),
                human: Output.table(
                    ["KID", "ALG", "STATE", "PUBLISHED", "LIVE TOKENS", "CREATED"],
                    keys.map {
                        [
                            $0.record.kid, $0.record.algorithm.rawValue, $0.record.state.rawValue,
                            $0.published ? ($0.record.publishUntil.map { "until " + Output.time($0) } ?? "yes") : "no", "\($0.outstandingTokens)",
                            Output.time($0.record.createdAt),
                        ]
                    }
                )
            )
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Promote the published next key, retire the active one, publish a new next key.")
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "Algorithm to rotate (default: the tenant's).") var alg: String?
        @Flag(name: .customLong("dry-run"), help: "Show what would change.") var dryRun = false

        func run() async throws {
            let algorithm = try parseAlgorithm(alg)
            let (engine, _) = try await EngineFactory.open(options.store)
            let c = try await engine.rotateKey(tenantID: options.tenant, algorithm: algorithm, dryRun: dryRun, actor: "cli")
            Output(json: options.json).emit(KeyCommand.change(c, dryRun: dryRun), human: KeyCommand.changeText(c, dryRun: dryRun))
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a key now (kept in the JWKS until its tokens expire, unless --unpublish).")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "Key id.") var kid: String
        @Flag(help: "Remove it from the JWKS now: JWTs it signed stop validating.") var unpublish = false
        @Flag(name: .customLong("dry-run"), help: "Show what would change.") var dryRun = false

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let c = try await engine.retireKey(tenantID: options.tenant, kid: kid, unpublish: unpublish, dryRun: dryRun, actor: "cli")
            Output(json: options.json).emit(KeyCommand.change(c, dryRun: dryRun), human: KeyCommand.changeText(c, dryRun: dryRun))
        }
    }
}
