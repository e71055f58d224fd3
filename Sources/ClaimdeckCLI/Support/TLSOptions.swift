import ArgumentParser
import Dispatch
import Foundation
import Logging
import OAuthHTTP

/// `--tls-cert` and `--tls-key`, shared by `serve` and the console's server: HTTPS from two PEM files,
/// reloaded on SIGHUP or when a file changes.
struct TLSOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-cert"),
        help: "PEM certificate chain (server certificate first): serve HTTPS. Reloaded on SIGHUP or when the file changes."
    )
    var certificate: String?
    @Option(name: .customLong("tls-key"), help: "The unencrypted PEM private key of --tls-cert.") var key: String?

    func validate() throws {
        if (certificate == nil) != (key == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both for HTTPS, or neither for plain HTTP")
        }
    }

    /// "https" with a certificate, else "http": the scheme of the default public URL and of what is printed.
    var scheme: String { certificate == nil ? "http" : "https" }

    /// The server's TLS, with SIGHUP reloading it; nil without `--tls-cert`. Exit 2 naming the file at fault.
    func load(logger: Logger) throws -> ServerTLS? {
        guard let certificate, let key else { return nil }
        let tls: ServerTLS
        do { tls = try ServerTLS(certificatePath: certificate, keyPath: key, logger: logger) } catch {
            throw CommandFailure(message: "--tls-cert/--tls-key: \(error)", exitCode: 2)
        }
        Self.reloadOnHangup(tls)
        return tls
    }

    /// SIGHUP's handlers, kept for the process's life (the signal's default would end the process).
    /// Written once, at start, before any other task could read it.
    nonisolated(unsafe) private static var hangup: (any DispatchSourceSignal)?

    private static func reloadOnHangup(_ tls: ServerTLS) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { tls.reload() }
        source.resume()
        hangup = source
    }
}
