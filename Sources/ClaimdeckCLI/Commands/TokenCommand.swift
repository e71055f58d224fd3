import ArgumentParser
import AuthEngine
import Foundation
import JOSE

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Find, inspect and revoke issued tokens.",
        subcommands: [List.self, Show.self, Revoke.self, Prune.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens, newest first (keyset pages: --before <last id>).")
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "Only this client's tokens.") var client: String?
        @Option(help: "Only this subject's tokens.") var subject: String?
        @Option(help: "active, expired or revoked.") var status: String?
        @Option(help: "Tokens older than this id (the last id of the previous page).") var before: String?
        @Option(help: "Issued at or after this time: ISO 8601 (2026-11-22T10:00:00Z) or an age (30m, 2h, 7d).") var since: String?
        @Option(help: "Issued before this time: ISO 8601 or an age.") var until: String?
        @Option(help: "Page size.") var limit = 50

        func run() async throws {
            var st: TokenRecord.Status?
            if let status {
                guard let s = TokenRecord.Status(rawValue: status) else {
                    throw AdminError.invalid(field: "--status", "'\(status)' is not valid; use active, expired or revoked")
                }
                st = s
            }
            if let before, !Identifiers.isTimeOrdered(before) {
                throw AdminError.invalid(
                    field: "--before",
                    "'\(Validation.printable(before))' is not a token id; give the last id of the previous page (26 characters)"
                )
            }
            let (engine, _) = try await EngineFactory.open(options.store)
            let now = engine.clock.now()
            func time(_ text: String?, _ option: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = TimeInput.parse(text, now: now) else {
                    throw AdminError.invalid(
                        field: option,
                        "'\(Validation.printable(text))' is not a time; use ISO 8601 (2026-11-22T10:00:00Z) or an age such as 30m, 2h or 7d"
                    )
                }
                return date
            }
            let query = TokenQuery(
                tenantID: options.tenant,
                clientID: client,
                subject: subject,
                status: st,
                before: before,
                limit: limit,
                issuedSince: try time(since, "--since"),
                issuedUntil: try time(until, "--until")
            )
            let list = try await engine.tokens(query)
            Output(json: options.json).emit(
                .array(list.map { Present.token($0, now: now) }),
                human: list.isEmpty
                    ? "No tokens match."
                    : Output.table(
                        ["ID", "KIND", "FORMAT", "CLIENT", "SUBJECT", "STATUS", "EXPIRES"],
                        list.map {
                            [
                                $0.id, $0.kind.rawValue, $0.format.rawValue, $0.clientID, $0.subject, Self.status($0.status(at: now)),
                                Output.time($0.expiresAt),
                            ]
                        }
                    )
            )
        }

        static func status(_ s: TokenRecord.Status) -> String {
            switch s {
            case .active: return "● active"
            case .expired: return "○ expired"
            case .revoked: return "✕ revoked"
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one token by id.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "Token id (jti).") var id: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let t = try await engine.token(tenantID: options.tenant, id: id)
            let now = engine.clock.now()
            let v = Present.token(t, now: now)
            Output(json: options.json).emit(
                v,
                human: v.objectValue!.sorted { $0.key < $1.key }.map {
                    "\($0.key): \($0.value.stringValue ?? String(decoding: $0.value.serialized(), as: UTF8.self))"
                }.joined(separator: "\n")
            )
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one token, all of a subject, of a client or of the tenant.",
            discussion:
                "Give exactly one of --id, --subject, --client, --all. Introspection answers active:false at once; the output says until when already-issued JWTs stay usable at APIs that do not introspect."
        )
        @OptionGroup var options: TenantScopedOptions
        @Option(help: "Token id.") var id: String?
        @Option(help: "Every token of this subject.") var subject: String?
        @Option(help: "Every token of this client.") var client: String?
        @Flag(help: "Every token of the tenant.") var all = false
        @Option(help: "Reason recorded in the audit log.") var reason = "revoked by an operator"
        @Flag(name: .customLong("dry-run"), help: "Show what would be revoked; change nothing.") var dryRun = false

        func validate() throws {
            let count = [id != nil, subject != nil, client != nil, all].filter { $0 }.count
            guard count == 1 else { throw ValidationError("give exactly one of --id, --subject, --client or --all") }
        }

        func run() async throws {
            let t = options.tenant
            let selector: RevocationSelector =
                id.map { .token(tenantID: t, tokenID: $0) } ?? subject.map { .subject(tenantID: t, subject: $0) }
                ?? client.map { .client(tenantID: t, clientID: $0) } ?? .tenant(tenantID: t)
            let (engine, _) = try await EngineFactory.open(options.store)
            if case .token = selector { _ = try await engine.token(tenantID: t, id: id!) }
            let s = dryRun ? try await engine.previewRevocation(selector) : try await engine.revokeTokens(selector, reason: reason, actor: "cli")
            let exposure = try await engine.revocationExposure(selector, summary: s)
            Output(json: options.json).emit(
                Present.revocation(s, dryRun: dryRun, exposure: exposure),
                human: Present.revocationText(s, dryRun: dryRun, what: selector.description, exposure: exposure)
            )
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete what is past each tenant's retention (the server's janitor does it every minute).",
            discussion:
                "Token rows expired or revoked longer ago than the tenant's retention ('claimdeck tenant update --token-retention'), ended or expired sessions and device authorizations as old, used assertion ids that expired. Audit events are kept. --dry-run counts without deleting."
        )
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this tenant (default: every tenant).") var tenant: String?
        @Flag(name: .customLong("dry-run"), help: "Show what would go; change nothing.") var dryRun = false

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let reports = try await engine.prune(tenantID: tenant, dryRun: dryRun, actor: "cli")
            Output(json: options.json).emit(
                .array(reports.map { Present.prune($0, dryRun: dryRun) }),
                human: reports.isEmpty ? "No tenants." : reports.map { Present.pruneText($0, dryRun: dryRun) }.joined(separator: "\n")
            )
        }
    }
}
