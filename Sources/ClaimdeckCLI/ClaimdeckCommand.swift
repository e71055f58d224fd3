import ArgumentParser
import AuthEngine
import Foundation
import SQLiteStore

/// `claimdeck`: the authorization server and its admin tools.
public struct ClaimdeckCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "claimdeck",
        abstract: "An OAuth 2.0 / OpenID Connect authorization server with a terminal admin console.",
        discussion: """
            Without a subcommand, claimdeck opens the terminal console and serves the OAuth endpoints on loopback beside it ('claimdeck --demo' starts the demo; --no-serve only administers); without a terminal it serves as 'claimdeck serve' does.
            The database defaults to $CLAIMDECK_DB or ~/.local/share/claimdeck/claimdeck.db; every command takes --db (a SQLite file, or postgres://user:password@host:port/database?sslmode=require for several nodes, with the shared key in $CLAIMDECK_MASTER_KEY or $CLAIMDECK_MASTER_KEY_FILE).
            Exit codes: 0 success, 1 the operation failed, 2 bad arguments.
            """,
        subcommands: [
            ConsoleCommand.self, ServeCommand.self, DemoCommand.self, TenantCommand.self, ClientCommand.self, UserCommand.self,
            KeyCommand.self, TokenCommand.self, AuditCommand.self, DesignCommand.self, IssuerCommand.self, StoreCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )

    public init() {}

    /// Parses and runs a command line; returns the process exit code (0, 1 or 2).
    public static func execute(_ arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as AdminError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            return error.code == .invalid ? 2 : 1
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            return error.exitCode
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            return 1
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                return 0
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            // Usage errors exit 2 (ArgumentParser's default would be 64).
            return code == .failure ? 1 : 2
        }
    }
}

/// A failure a command reports with a message and an exit code.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}
