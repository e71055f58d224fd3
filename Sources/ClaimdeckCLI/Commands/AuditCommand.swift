import ArgumentParser
import AuthEngine
import Foundation
import JOSE

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the audit log.",
        subcommands: [Tail.self, Verify.self]
    )

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit events as they happen (--json: one JSON object per line, for a SIEM)."
        )
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this tenant.") var tenant: String?
        @Option(help: "Only this client.") var client: String?
        @Option(help: "Only this subject.") var subject: String?
        @Option(help: "Only this event type (token.issued, token.revoked, ...).") var type: String?
        @Option(help: "Only success or failure.") var outcome: String?
        @Option(help: "Start with the last N events.") var last = 10
        @Flag(name: .customLong("no-follow"), help: "Print and exit instead of following.") var noFollow = false

        func run() async throws {
            var o: AuditOutcome?
            if let outcome {
                guard let v = AuditOutcome(rawValue: outcome) else { throw AdminError.invalid(field: "--outcome", "use success or failure") }
                o = v
            }
            guard last >= 0 else { throw AdminError.invalid(field: "--last", "must be 0 or more") }
            if let type, !AuditEventType.all.contains(AuditEventType(rawValue: type)) {
                throw AdminError.invalid(field: "--type", "'\(type)' is not an event type; for example token.issued, token.revoked, login.failed")
            }
            let filter = AuditFilter(tenantID: tenant, clientID: client, subject: subject, type: type.map(AuditEventType.init(rawValue:)), outcome: o)
            let (engine, _) = try await EngineFactory.open(options.store)
            let output = Output(json: options.json)
            // The engine's live tail: the last N matching events, then each new one, from every process.
            for try await events in engine.auditTail(filter: filter, backlog: last) {
                for e in events { output.emit(Present.audit(e), human: Present.auditText(e)) }
                Output.flush()
                if noFollow { return }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the hash chain; exit 1 if an event was edited or deleted.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let r = try await engine.verifyAuditChain()
            Output(json: options.json).emit(
                .object([
                    "events": .number(Double(r.eventsChecked)), "intact": .bool(r.isIntact),
                    "first_broken_sequence": r.firstBrokenSequence.map { .number(Double($0)) } ?? .null,
                ]),
                human: r.isIntact ? "Audit chain intact: \(r.eventsChecked) event(s)." : "Audit chain BROKEN at event #\(r.firstBrokenSequence!)."
            )
            if !r.isIntact { throw CommandFailure(message: "the audit log was altered at event #\(r.firstBrokenSequence!)") }
        }
    }
}
