import ArgumentParser
import AuthEngine
import Foundation
import JOSE

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create and manage a tenant's users.",
        discussion: "Passwords are read from standard input (--password-stdin), never from an argument that shell history or ps would show.",
        subcommands: [
            Create.self, List.self, Show.self, Update.self, SetPassword.self, Disable.self, Enable.self, Delete.self,
            Consents.self, RevokeConsent.self,
        ]
    )

    static func present(_ u: User) -> JSONValue {
        .object([
            "tenant": .string(u.tenantID), "id": .string(u.id), "username": .string(u.username), "attributes": .object(u.attributes),
            "status": .string(u.disabled ? "disabled" : "enabled"), "password": .string(u.passwordHash == nil ? "none" : "set"),
            "created_at": .string(Output.time(u.createdAt)),
        ])
    }

    static func text(_ u: User) -> String {
        """
        id:         \(u.id)
        username:   \(u.username)
        tenant:     \(u.tenantID)
        status:     \(u.disabled ? "✕ disabled" : "● enabled")
        password:   \(u.passwordHash == nil ? "none" : "set")
        attributes: \(String(decoding: JSONValue.object(u.attributes).serialized(), as: UTF8.self))
        """
    }

    /// `--attributes '{"name": "..."}'`: a JSON object; errors say where the JSON broke.
    static func attributes(_ raw: String?) throws -> [String: JSONValue]? {
        guard let raw else { return nil }
        return try ClaimdeckEngine.parseUserAttributes(raw, field: "--attributes")
    }

    /// The first line of standard input.
    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw AdminError.invalid(
                field: "--password-stdin",
                "no password on standard input; pipe it in, e.g. 'printf %s \"$PW\" | claimdeck user ...'"
            )
        }
        return line
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "Username (what the user types at login).") var username: String
        @Option(help: "Stable subject id (default: generated).") var id: String?
        @Option(help: "Attributes as a JSON object.") var attributes: String?
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.") var passwordStdin = false

        func run() async throws {
            let attrs = try UserCommand.attributes(attributes) ?? [:]
            let password = passwordStdin ? try UserCommand.readPassword() : nil
            let (engine, _) = try await EngineFactory.open(options.store)
            let u = try await engine.createUser(
                tenantID: options.tenant,
                username: username,
                id: id,
                attributes: attrs,
                password: password,
                actor: "cli"
            )
            Output(json: options.json).emit(UserCommand.present(u), human: "Created user.\n" + UserCommand.text(u))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: TenantScopedOptions

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let list = try await engine.users(tenantID: options.tenant)
            Output(json: options.json).emit(
                .array(list.map(UserCommand.present)),
                human: list.isEmpty
                    ? "No users in tenant '\(options.tenant)'."
                    : Output.table(
                        ["ID", "USERNAME", "STATUS", "PASSWORD"],
                        list.map { [$0.id, $0.username, $0.disabled ? "✕ disabled" : "● enabled", $0.passwordHash == nil ? "none" : "set"] }
                    )
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a user by id or username.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let u = try await engine.user(tenantID: options.tenant, user)
            Output(json: options.json).emit(UserCommand.present(u), human: UserCommand.text(u))
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's username or replace their attributes.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String
        @Option(help: "New username.") var username: String?
        @Option(help: "New attributes (a JSON object; replaces the old ones).") var attributes: String?

        func run() async throws {
            let attrs = try UserCommand.attributes(attributes)
            let (engine, _) = try await EngineFactory.open(options.store)
            let u = try await engine.updateUser(tenantID: options.tenant, user, username: username, attributes: attrs, actor: "cli")
            Output(json: options.json).emit(UserCommand.present(u), human: "Updated user.\n" + UserCommand.text(u))
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a user's password (read from standard input).")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (required).") var passwordStdin = false

        func validate() throws {
            guard passwordStdin else { throw ValidationError("give --password-stdin and pipe the password in") }
        }

        func run() async throws {
            let password = try UserCommand.readPassword()
            let (engine, _) = try await EngineFactory.open(options.store)
            try await engine.setUserPassword(tenantID: options.tenant, user, password: password, actor: "cli")
            Output(json: options.json).emit(.object(["user": .string(user), "password": .string("set")]), human: "Password set for '\(user)'.")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user and revoke all their tokens.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String
        @Flag(name: .customLong("dry-run"), help: "Show which tokens would be revoked; change nothing.") var dryRun = false

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let u = try await engine.user(tenantID: options.tenant, user)
            let s =
                dryRun
                ? try await engine.previewRevocation(.subject(tenantID: options.tenant, subject: u.id))
                : try await engine.setUserDisabled(tenantID: options.tenant, user, disabled: true, actor: "cli")
            Output(json: options.json).emit(
                Present.revocation(s, dryRun: dryRun),
                human: (dryRun
                    ? "" : "Disabled user '\(u.username)'; in force at once on every server of this database (users are read per request).\n")
                    + Present.revocationText(s, dryRun: dryRun, what: "tokens of user \(u.username)")
            )
        }
    }

    struct Consents: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the consents a user gave third-party clients.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let consents = try await engine.consents(tenantID: options.tenant, user: user)
            let json = JSONValue.array(
                consents.map {
                    .object([
                        "client_id": .string($0.clientID), "scopes": .array($0.scopes.map(JSONValue.string)),
                        "granted_at": .string(Output.time($0.grantedAt)),
                    ])
                }
            )
            let text =
                consents.isEmpty
                ? "User '\(user)' has given no consent."
                : consents.map { "\($0.clientID)  \($0.scopes.joined(separator: " "))  (since \(Output.time($0.grantedAt)))" }.joined(separator: "\n")
            Output(json: options.json).emit(json, human: text)
        }
    }

    struct RevokeConsent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-consent",
            abstract: "Withdraw a user's consent for a client and revoke the tokens it got from them."
        )
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String
        @Option(help: "client_id.") var client: String
        @Flag(name: .customLong("dry-run"), help: "Show which tokens would be revoked; change nothing.") var dryRun = false

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let u = try await engine.user(tenantID: options.tenant, user)
            let s =
                dryRun
                ? try await engine.previewRevocation(.grant(tenantID: options.tenant, subject: u.id, clientID: client))
                : try await engine.revokeConsent(tenantID: options.tenant, user: user, clientID: client, actor: "cli")
            Output(json: options.json).emit(
                Present.revocation(s, dryRun: dryRun),
                human: (dryRun ? "" : "Withdrew the consent of '\(u.username)' for '\(client)'.\n")
                    + Present.revocationText(s, dryRun: dryRun, what: "tokens of user \(u.username) held by \(client)")
            )
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            _ = try await engine.setUserDisabled(tenantID: options.tenant, user, disabled: false, actor: "cli")
            Output(json: options.json).emit(.object(["user": .string(user), "status": .string("enabled")]), human: "Enabled user '\(user)'.")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user and revoke their tokens.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "User id or username.") var user: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let s = try await engine.deleteUser(tenantID: options.tenant, user, actor: "cli")
            Output(json: options.json).emit(
                Present.revocation(s, dryRun: false),
                human: "Deleted user '\(user)'.\n" + Present.revocationText(s, dryRun: false, what: "tokens of user \(user)")
            )
        }
    }
}
