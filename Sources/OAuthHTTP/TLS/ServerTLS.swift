import Foundation
import Logging
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// The server's certificate chain and private key, read from two PEM files, as the TLS context every
/// new connection takes. `reload()` reads the files again: connections already open keep the
/// context they started with (nothing is dropped), new ones get the new certificate. A reload that
/// fails (a half-written file, a key that does not match) keeps the previous certificate and logs why.
public final class ServerTLS: Sendable {
    /// The PEM file with the server's certificate first, then any intermediates.
    public let certificatePath: String
    /// The PEM file with the certificate's private key (PKCS#8, SEC1 or PKCS#1, unencrypted).
    public let keyPath: String
    private let logger: Logger
    private let loaded: Mutex<Loaded>

    private struct Loaded: Sendable {
        var context: NIOSSLContext
        /// The same certificate, asking for (not requiring) a client certificate: the mutual-TLS listener's.
        var mtlsContext: NIOSSLContext
        var summary: String
        var stamp: FileStamp
    }

    /// Reads both files; throws what is wrong with them, naming the file.
    public init(certificatePath: String, keyPath: String, logger: Logger = Logger(label: "claimdeck.tls")) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.logger = logger
        let stamp = FileStamp(certificatePath, keyPath)
        let (context, mtlsContext, summary) = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
        loaded = Mutex(Loaded(context: context, mtlsContext: mtlsContext, summary: summary, stamp: stamp))
    }

    /// The context a connection accepted now uses.
    var context: NIOSSLContext { loaded.withLock { $0.context } }
    /// The context a connection of the mutual-TLS listener accepted now uses.
    var mtlsContext: NIOSSLContext { loaded.withLock { $0.mtlsContext } }

    /// The serving certificate's subject and expiry, for the log.
    public var summary: String { loaded.withLock { $0.summary } }

    /// Reads the files again and serves the new certificate to new connections; on failure keeps the
    /// old one. Returns whether the new one was taken.
    @discardableResult
    public func reload() -> Bool {
        let stamp = FileStamp(certificatePath, keyPath)
        do {
            let (context, mtlsContext, summary) = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
            loaded.withLock { $0 = Loaded(context: context, mtlsContext: mtlsContext, summary: summary, stamp: stamp) }
            logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(summary)"])
            return true
        } catch {
            // Remember the stamp anyway: the watch retries only once the files change again.
            loaded.withLock { $0.stamp = stamp }
            logger.error("TLS certificate not reloaded, still serving the previous one", metadata: ["reason": "\(error)"])
            return false
        }
    }

    /// Reloads when either file changed (time, size or a new file renamed over it) since the last load.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let stamp = FileStamp(certificatePath, keyPath)
        guard loaded.withLock({ $0.stamp != stamp }) else { return false }
        return reload()
    }

    /// Looks at the files every `interval` until cancelled: a renewed certificate (certbot, cert-manager)
    /// is served without a signal or a restart.
    public func watch(every interval: Duration = .seconds(2)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            reloadIfChanged()
        }
    }

    static func load(certificatePath: String, keyPath: String) throws -> (NIOSSLContext, NIOSSLContext, String) {
        let certificatePEM = try read(certificatePath, what: "certificate (--tls-cert)")
        let keyPEM = try read(keyPath, what: "private key (--tls-key)")
        let chain: [Certificate]
        do {
            chain = try PEMDocument.parseMultiple(pemString: certificatePEM)
                .filter { $0.discriminator == "CERTIFICATE" }
                .map { try Certificate(derEncoded: $0.derBytes) }
        } catch {
            throw TLSSetupError("the certificate file \(certificatePath) is not a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else {
            throw TLSSetupError("the certificate file \(certificatePath) holds no \"BEGIN CERTIFICATE\" block")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw TLSSetupError(
                "the private key file \(keyPath) is not an unencrypted PEM private key (PKCS#8, EC or RSA); "
                    + "decrypt it first, e.g. openssl pkey -in key.pem -out plain.pem"
            )
        }
        guard key.publicKey == leaf.publicKey else {
            throw TLSSetupError("the private key in \(keyPath) does not belong to the first certificate in \(certificatePath)")
        }
        do {
            let certificates = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            let privateKey = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: certificates.map { .certificate($0) },
                privateKey: .privateKey(privateKey)
            )
            configuration.minimumTLSVersion = .tlsv12
            let context = try NIOSSLContext(configuration: configuration)
            // RFC 8705 §2: the certificate is requested, not required (a client may authenticate
            // otherwise), and any is taken at the TLS level: `PeerCertificateHolder` reads it and the
            // engine decides what it proves.
            configuration.certificateVerification = .optionalVerification
            let mtlsContext = try NIOSSLContext(configuration: configuration)
            return (context, mtlsContext, "\(leaf.subject), valid until \(leaf.notValidAfter)")
        } catch {
            throw TLSSetupError("the TLS library refused \(certificatePath) with \(keyPath): \(error)")
        }
    }

    private static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw TLSSetupError.unreadable(what, path, reason)
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// What tells a changed file from the one loaded: modification time, size and inode, of both files.
struct FileStamp: Equatable, Sendable {
    private let parts: [String]

    init(_ paths: String...) {
        parts = paths.map { path in
            let a = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
            let time = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(time)|\(a[.size] ?? 0)|\(a[.systemFileNumber] ?? 0)"
        }
    }
}
