import ArgumentParser
import AuthEngine
import Foundation
import JOSE
import TenantYAML

/// `--force --reason TEXT`: publishing breaking changes on purpose.
struct GateOptions: ParsableArguments {
    @Flag(help: "Publish even if the change breaks an API's contract (needs --reason; audited).") var force = false
    @Option(help: "Why breaking the contract is acceptable now (with --force).") var reason: String?
    @Flag(help: "Show the diff, the lint and the gate's verdict; change nothing.") var dryRun = false

    func validate() throws {
        if force && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--force needs --reason \"why the APIs affected can take this change\"")
        }
        if reason != nil && !force { throw ValidationError("--reason is given with --force") }
    }

    var forceReason: String? { force ? reason : nil }
}

/// Which design a command reads: `live`, `draft` or a version number.
extension DesignRef: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "live": self = .live
        case "draft": self = .draft
        default:
            guard let n = Int(argument), n >= 1 else { return nil }
            self = .version(n)
        }
    }
}

extension DesignCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the design and the clients (without secrets) as YAML, in a stable order for version control."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "live (default), draft or a version number.") var design: DesignRef = .live
        @Option(name: [.customShort("o"), .customLong("output")], help: "File to write (default: standard output).") var output: String?

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let tenant = try engine.tenantSummary(options.tenant).tenant
            let version: Int = if case .version(let n) = design { n } else { tenant.designVersion }
            let yaml = try DesignDocument.export(
                tenant: tenant,
                design: try await engine.design(tenantID: tenant.id, design),
                clients: try engine.clients(tenantID: tenant.id),
                version: version
            )
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(yaml.utf8)) else {
                    throw AdminError.invalid(field: "output", "cannot write '\(output)'")
                }
            } else {
                print(yaml, terminator: "")
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a design file: show the diff and the lint, then publish it and its clients in one transaction.",
            discussion:
                "Breaking changes are refused unless --force --reason. Clients missing from the tenant are registered (secrets shown once); clients the file does not list are left alone."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(name: [.customShort("f"), .customLong("file")], help: "The YAML file (as 'design export' writes it).") var file: String
        @Option(help: "What this version changes (default: applied from FILE).") var note: String?
        @Flag(help: "Save the file's design as the draft instead of publishing it (clients are not touched).") var draft = false
        @OptionGroup var gate: GateOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let (design, def, text) = try DesignFile.design(file, tenant: options.tenant)
            do {
                if draft {
                    let saved = try await engine.saveDesignDraft(tenantID: options.tenant, design, actor: "cli")
                    let diff = DesignDiff.between(try await engine.design(tenantID: options.tenant, .live), saved.design)
                    Output(json: options.json).emit(
                        .object(["draft": .bool(true), "diff": diff.json()]),
                        human: "draft saved (based on version \(saved.baseVersion))\n\(diff.text())"
                    )
                    return
                }
                let outcome = try await engine.publishDesign(
                    PublishRequest(
                        tenantID: options.tenant,
                        design: design,
                        clients: def.clients == nil ? nil : DesignDocument.clients(def),
                        note: note ?? "applied from \((file as NSString).lastPathComponent)",
                        forceReason: gate.forceReason,
                        dryRun: gate.dryRun
                    ),
                    actor: "cli"
                )
                try DesignCommand.report(outcome, json: options.json)
            } catch {
                throw (error as? AdminError).map { TenantLoader.located($0, in: text, source: file) } ?? error
            }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changes between two designs, per scope and destination, and what breaks an API's contract."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "live (default), draft or a version number.") var from: DesignRef = .live
        @Option(help: "draft (default), live or a version number.") var to: DesignRef = .draft
        @Option(name: [.customShort("f"), .customLong("file")], help: "Compare --from with this YAML file instead of --to.") var file: String?

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let diff: DesignDiff
            if let file {
                let target = try DesignFile.design(file, tenant: options.tenant).design
                diff = DesignDiff.between(try await engine.design(tenantID: options.tenant, from), target.owned(by: options.tenant))
            } else {
                diff = try await engine.diffDesigns(tenantID: options.tenant, from: from, to: to)
            }
            Output(json: options.json).emit(diff.json(), human: diff.text())
        }
    }

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a design for personal data where it is not needed, readable third-party tokens, size, dead mappings, unmet contracts, long lifetimes.",
            discussion: "Exits 1 when a finding is an error."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "live (default), draft or a version number.") var design: DesignRef = .live
        @Option(name: [.customShort("f"), .customLong("file")], help: "Lint this YAML file's design instead.") var file: String?

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let target: TokenDesign
            if let file {
                target = try DesignFile.design(file, tenant: options.tenant).design
            } else {
                target = try await engine.design(tenantID: options.tenant, design)
            }
            let findings = try await engine.lintDesign(tenantID: options.tenant, target)
            Output(json: options.json).emit(.array(findings.map { $0.json() }), human: DesignLint.text(findings))
            if findings.contains(where: { $0.severity == .error }) { throw CommandFailure(message: "the design has errors (see above)") }
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish the draft as the next version, through the contract gate.")
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "What this version changes.") var note: String
        @OptionGroup var gate: GateOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let outcome = try await engine.publishDesign(
                PublishRequest(
                    tenantID: options.tenant,
                    note: note,
                    forceReason: gate.forceReason,
                    dryRun: gate.dryRun
                ),
                actor: "cli"
            )
            try DesignCommand.report(outcome, json: options.json)
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the published versions of the design.")
        @OptionGroup var options: TenantScopedOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let live = try engine.tenantSummary(options.tenant).tenant.designVersion
            let versions = try await engine.designVersions(tenantID: options.tenant)
            let draft = try await engine.designDraft(tenantID: options.tenant)
            Output(json: options.json).emit(
                .object([
                    "live": .number(Double(live)),
                    "draft": draft.map {
                        .object([
                            "base_version": .number(Double($0.baseVersion)), "author": .string($0.author),
                            "updated_at": .string(Output.time($0.updatedAt)),
                        ])
                    } ?? .null,
                    "versions": .array(
                        versions.map { v in
                            .object([
                                "version": .number(Double(v.number)), "author": .string(v.author), "note": .string(v.note),
                                "created_at": .string(Output.time(v.createdAt)), "forced_reason": v.forcedReason.map(JSONValue.string) ?? .null,
                                "rolled_back_from": v.rolledBackFrom.map { .number(Double($0)) } ?? .null,
                            ])
                        }
                    ),
                ]),
                human: Output.table(
                    ["VERSION", "PUBLISHED", "BY", "NOTE"],
                    versions.map { v in
                        [
                            "\(v.number)\(v.number == live ? " (live)" : "")", Output.time(v.createdAt), v.author,
                            v.note + (v.rolledBackFrom.map { " [rollback to \($0)]" } ?? "") + (v.forcedReason.map { " [forced: \($0)]" } ?? ""),
                        ]
                    }
                ) + (draft.map { "\ndraft: based on version \($0.baseVersion), saved \(Output.time($0.updatedAt)) by \($0.author)" } ?? "")
            )
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish an earlier version's design again, as a new version.")
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "The version to go back to.") var to: Int
        @Option(help: "Why (default: rollback to version N).") var note: String?
        @OptionGroup var gate: GateOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let outcome = try await engine.rollbackDesign(
                tenantID: options.tenant,
                to: to,
                note: note,
                forceReason: gate.forceReason,
                dryRun: gate.dryRun,
                actor: "cli"
            )
            try DesignCommand.report(outcome, json: options.json)
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Throw the draft away.")
        @OptionGroup var options: TenantScopedOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            try await engine.discardDesignDraft(tenantID: options.tenant, actor: "cli")
            Output(json: options.json).emit(.object(["discarded": .bool(true)]), human: "draft discarded")
        }
    }

    /// Prints a publish's diff, lint and verdict (and new clients' secrets, once); a refusal exits 1.
    static func report(_ o: PublishOutcome, json: Bool) throws {
        Output(json: json).emit(
            .object([
                "diff": o.diff.json(), "lint": .array(o.findings.map { $0.json() }), "refused": .bool(o.refused),
                "version": o.version.map { .number(Double($0)) } ?? .null, "verdict": .string(o.verdict),
                "created_clients": .array(o.createdClients.map { Present.client($0.client, secret: $0.secret) }),
                "updated_clients": .array(o.updatedClients.map(JSONValue.string)),
            ]),
            human: ([o.diff.text(), "", DesignLint.text(o.findings), ""]
                + o.createdClients.map { "client \($0.client.id) registered" + ($0.secret.map { "; its secret (shown once): \($0)" } ?? "") }
                + o.updatedClients.map { "client \($0) updated" } + [o.verdict]).joined(separator: "\n")
        )
        if o.refused { throw CommandFailure(message: o.verdict) }
    }
}

/// Reads a design file for a tenant: its `tenant.id` must be the tenant the command names.
enum DesignFile {
    static func read(_ path: String, tenant: String) throws -> (TenantDefinition, String) {
        let text = try TextFile.read(path, field: "file")
        let def = try TenantLoader.parse(text, source: path)
        guard def.tenant.id == tenant else {
            throw TenantLoader.located(
                .invalid(field: "tenant.id", "the file is for tenant '\(def.tenant.id)', not '\(tenant)'"),
                in: text,
                source: path
            )
        }
        return (def, text)
    }

    /// The file's design, validated; errors carry the file and line.
    static func design(_ path: String, tenant: String) throws -> (design: TokenDesign, definition: TenantDefinition, text: String) {
        let (def, text) = try read(path, tenant: tenant)
        do {
            return (try DesignDocument.design(def), def, text)
        } catch {
            throw TenantLoader.located(error, in: text, source: path)
        }
    }
}
