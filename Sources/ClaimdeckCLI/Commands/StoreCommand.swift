import ArgumentParser
import AuthEngine
import Foundation
import JOSE
import PostgresStore
import SQLiteStore

/// `claimdeck store copy`: moves an installation off SQLite onto PostgreSQL.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move an installation between stores.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole SQLite installation into an empty PostgreSQL database.",
            discussion: """
                Tenants, sealed keys, clients, users, designs and their versions, tokens, sessions, consents, device \
                authorizations and the audit log with its hash chain, in one transaction: all or nothing. Stop the \
                servers on the SQLite file first. The keys stay sealed under the SQLite installation's master key \
                (CLAIMDECK_MASTER_KEY, or the file beside the database): give that key to every node.
                """
        )
        @Option(help: "The SQLite database to copy.") var from: String
        @Option(help: "The empty PostgreSQL database: postgres://user:password@host:port/database.") var to: String
        @Flag(help: "JSON output.") var json = false

        func run() async throws {
            guard FileManager.default.fileExists(atPath: from) else {
                throw CommandFailure(message: "--from: no SQLite database at \(from)", exitCode: 2)
            }
            guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else {
                throw CommandFailure(message: "--to must be a postgres:// or postgresql:// URL", exitCode: 2)
            }
            let url: PostgresURL
            do { url = try PostgresURL(to) } catch { throw CommandFailure(message: "--to: \(error)", exitCode: 2) }
            // The source's key, which its sealed signing keys need: never a new one.
            let keyFile = MasterKeyFile.path(forDatabase: from)
            let keyInEnvironment = try MasterKeyFile.fromEnvironment() != nil
            guard keyInEnvironment || FileManager.default.fileExists(atPath: keyFile) else {
                throw CommandFailure(
                    message: "no master key for \(from): set \(MasterKeyFile.environmentVariable) or restore \(keyFile)",
                    exitCode: 2
                )
            }
            let key = try MasterKeyFile.load(databasePath: from)
            let source = try SQLiteStore(path: from)
            defer { source.close() }
            let target = try await PostgresStore(url: url)
            defer { target.close() }
            try await SharedMasterKey.check(key, against: target)
            let counts = try await target.copy(from: source)
            let report = try await target.verifyChain()
            guard report.isIntact else {
                throw CommandFailure(message: "the copy's audit chain does not verify from event \(report.firstBrokenSequence ?? 0)")
            }
            let keySource = keyInEnvironment ? MasterKeyFile.environmentVariable : keyFile
            Output(json: json).emit(
                .object([
                    "to": .string(url.description),
                    "tables": .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.table, JSONValue.number(Double($0.rows))) })),
                    "audit_events_verified": .number(Double(report.eventsChecked)),
                ]),
                human: "Copied \(from) to \(url):\n"
                    + counts.filter { $0.rows > 0 }.map { "  \($0.table): \($0.rows)" }.joined(separator: "\n")
                    + "\nAudit chain intact on the copy: \(report.eventsChecked) event(s)."
                    + "\nEvery node needs this installation's master key (from \(keySource)): set \(MasterKeyFile.environmentVariable) "
                    + "or \(SharedMasterKey.fileVariable)."
            )
        }
    }
}
