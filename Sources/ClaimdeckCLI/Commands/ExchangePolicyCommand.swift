import ArgumentParser
import AuthEngine
import Foundation
import JOSE

/// `claimdeck client exchange-policy`: where a client may exchange the tokens it receives (RFC 8693).
struct ExchangePolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange-policy",
        abstract: "Manage a client's token exchange policy (RFC 8693).",
        discussion: """
            A client exchanges a token it received (the subject token) for a token for a downstream API. It needs the \
            \(GrantType.tokenExchange.rawValue) grant and a policy: the target audiences it may exchange to, and which \
            subject tokens it accepts (their aud must contain the client's id or a --subject-audience; optionally only \
            tokens issued to a --subject-client).
            """,
        subcommands: [SetPolicy.self, Show.self, Clear.self]
    )

    static func present(_ p: TokenExchangePolicy) -> JSONValue {
        .object([
            "tenant": .string(p.tenantID), "client_id": .string(p.clientID),
            "target_audiences": .array(p.targetAudiences.map(JSONValue.string)),
            "subject_audiences": .array(p.acceptedSubjectAudiences.map(JSONValue.string)),
            "subject_clients": .array(p.subjectClients.map(JSONValue.string)),
            "created_at": .string(Output.time(p.createdAt)), "updated_at": .string(Output.time(p.updatedAt)),
        ])
    }

    static func text(_ p: TokenExchangePolicy) -> String {
        """
        client:            \(p.clientID)
        tenant:            \(p.tenantID)
        may exchange to:   \(p.targetAudiences.joined(separator: " "))
        subject token aud: one of \(p.acceptedSubjectAudiences.joined(separator: " "))
        subject client:    \(p.subjectClients.isEmpty ? "any client of the tenant" : p.subjectClients.joined(separator: " "))
        """
    }

    struct SetPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Create or replace the client's token exchange policy.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id of the exchanging client.") var client: String
        @Option(name: .customLong("audience"), help: "Target audience it may exchange to (repeat; at least one).") var audiences: [String] = []
        @Option(name: .customLong("subject-audience"), help: "Another aud value that marks a subject token as meant for it (repeat).")
        var subjectAudiences: [String] = []
        @Option(name: .customLong("subject-client"), help: "Accept only subject tokens issued to this client (repeat).") var subjectClients:
            [String] = []

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let policy = try await engine.setTokenExchangePolicy(
                tenantID: options.tenant,
                clientID: client,
                TokenExchangePolicySpec(targetAudiences: audiences, subjectAudiences: subjectAudiences, subjectClients: subjectClients),
                actor: "cli"
            )
            Output(json: options.json).emit(
                ExchangePolicyCommand.present(policy),
                human: "Token exchange policy of '\(client)' set.\n" + ExchangePolicyCommand.text(policy)
            )
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the client's token exchange policy.")
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var client: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            let policy = try engine.tokenExchangePolicy(tenantID: options.tenant, clientID: client)
            Output(json: options.json).emit(ExchangePolicyCommand.present(policy), human: ExchangePolicyCommand.text(policy))
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the client's token exchange policy; its exchanges are refused from now on."
        )
        @OptionGroup var options: TenantScopedOptions
        @Argument(help: "client_id.") var client: String

        func run() async throws {
            let (engine, _) = try await EngineFactory.open(options.store)
            try await engine.clearTokenExchangePolicy(tenantID: options.tenant, clientID: client, actor: "cli")
            Output(json: options.json).emit(
                .object(["client_id": .string(client), "cleared": .bool(true)]),
                human: "Token exchange policy of '\(client)' removed; tokens it already obtained stay valid until they expire."
            )
        }
    }
}
