import ArgumentParser
import ClaimdeckResourceServer
import Foundation
import Hummingbird
import JOSE
import NIOCore

/// `InvoicesAPI --issuer URL`: the demo's invoices API, protected by ClaimdeckResourceServer.
@main
struct InvoicesAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "InvoicesAPI",
        abstract: "The demo tenant's invoices API, accepting Claimdeck access tokens."
    )

    @Option(help: "The issuer exactly as tokens carry it in iss, e.g. http://127.0.0.1:8080/sms.")
    var issuer: String

    @Option(help: "This API's audience.")
    var audience = "https://api.sms.example/invoices"

    @Option(help: "The JWKS URL (default: jwks_uri of the issuer's discovery document).")
    var jwksURL: String?

    @Option(help: "The Authorization header value Claimdeck's transmitter sends with security events (default: none required).")
    var eventsAuthorization: String?

    @Option(
        help: ArgumentHelp(
            "Subscribe to the issuer's security events at start-up as this client (it needs the ssf.manage scope); its secret comes from INVOICES_API_CLIENT_SECRET.",
            valueName: "client-id"
        )
    )
    var eventsClientID: String?

    @Option(help: "The URL Claimdeck reaches this API at, for the push endpoint (default: http://<host>:<bound port>).")
    var publicURL: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8090

    func validate() throws {
        guard issuer.hasPrefix("http://") || issuer.hasPrefix("https://") else {
            throw ValidationError("--issuer must be an http(s) URL, e.g. http://127.0.0.1:8080/sms")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        if eventsClientID != nil && ProcessInfo.processInfo.environment[Self.secretVariable]?.isEmpty != false {
            throw ValidationError("--events-client-id needs the client's secret in the environment variable \(Self.secretVariable)")
        }
    }

    func run() async throws {
        let book = InvoiceBook()
        let validator = TokenValidator(
            configuration: ResourceServerConfiguration(issuer: issuer, audience: audience, jwksURL: jwksURL, realm: "invoices")
        ) { principal in
            // Computed once per token and cached with it until the token expires.
            guard let account = InvoiceBook.account(of: principal.claims), let limit = book.creditLimits[account] else { return [:] }
            return ["credit_limit": .number(limit)]
        }
        // Subscribing: a fresh push credential per run, which the stream is (re)pointed at.
        let subscription = eventsClientID.map { id in
            SecurityEventSubscription(
                issuer: issuer,
                client: .init(id: id, secret: ProcessInfo.processInfo.environment[Self.secretVariable] ?? ""),
                audience: audience
            )
        }
        let pushAuthorization = subscription == nil ? eventsAuthorization : "Bearer " + Base64URL.encode(SystemRandomSource().bytes(32))
        let (host, port, publicURL) = (self.host, self.port, self.publicURL)
        let app = Application(
            router: InvoicesRoutes.router(validator: validator, book: book, eventsAuthorization: pushAuthorization),
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                // The test harness (and a person) read the bound port from this line.
                let base = "http://\(host):\(channel.localAddress?.port ?? port)"
                Self.say("invoices API listening on \(base)")
                guard let subscription, let pushAuthorization else { return }
                Task { await Self.subscribe(subscription, pushTo: (publicURL ?? base) + "/ssf/events", authorization: pushAuthorization) }
            }
        )
        try await app.runService()
    }

    static let secretVariable = "INVOICES_API_CLIENT_SECRET"

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Subscribes, retrying every 2 s while the issuer cannot be reached (it may start after the API).
    static func subscribe(_ subscription: SecurityEventSubscription, pushTo url: String, authorization: String) async {
        while !Task.isCancelled {
            do {
                let stream = try await subscription.subscribe(pushTo: url, authorization: authorization)
                say("subscribed to security events: stream \(stream), pushed to \(url)")
                return
            } catch {
                say("security event subscription failed, retrying in 2 s: \(error)")
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
