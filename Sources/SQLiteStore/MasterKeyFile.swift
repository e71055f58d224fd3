import Foundation
import JOSE

/// The master key that seals private signing keys: from `CLAIMDECK_MASTER_KEY` (base64 of 32 bytes)
/// or from a file beside the database (`<db>.master-key`, mode 0600), created on first use.
public enum MasterKeyFile {
    public static let environmentVariable = "CLAIMDECK_MASTER_KEY"

    public static func path(forDatabase db: String) -> String { db + ".master-key" }

    public static func load(databasePath: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Data {
        if let key = try fromEnvironment(environment) { return key }
        let file = path(forDatabase: databasePath)
        let fm = FileManager.default
        if fm.fileExists(atPath: file) { return try load(keyFile: file) }
        let key = SecretBox.generateMasterKey()
        let created = fm.createFile(
            atPath: file,
            contents: Data((key.base64EncodedString() + "\n").utf8),
            attributes: [.posixPermissions: 0o600]
        )
        guard created else { throw StoreError("cannot create the master key file \(file)") }
        return key
    }

    /// The key `CLAIMDECK_MASTER_KEY` holds, nil if it is not set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Data? {
        guard let b64 = environment[environmentVariable] else { return nil }
        guard let key = Data(base64Encoded: b64.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32 else {
            throw StoreError("\(environmentVariable) must be the base64 of exactly 32 bytes (e.g. 'openssl rand -base64 32')")
        }
        return key
    }

    /// Reads an existing key file: the base64 of 32 bytes, readable by its owner alone.
    public static func load(keyFile file: String) throws -> Data {
        let fm = FileManager.default
        guard let text = fm.contents(atPath: file).flatMap({ String(data: $0, encoding: .utf8) }),
            let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32
        else {
            throw StoreError("the master key file \(file) is unreadable or not the base64 of 32 bytes")
        }
        if let mode = (try? fm.attributesOfItem(atPath: file))?[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            throw StoreError(
                "the master key file \(file) is readable by others (mode \(String(mode.intValue, radix: 8))); run 'chmod 600 \(file)'"
            )
        }
        return key
    }
}
