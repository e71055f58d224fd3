import Foundation
import JOSE
import PostgresStore
import SQLiteStore

/// The master key of nodes that share one PostgreSQL database: every node must hold the same one,
/// so it comes from the environment (`CLAIMDECK_MASTER_KEY`) or a file the operator distributes
/// (`CLAIMDECK_MASTER_KEY_FILE`); it is never created beside a database no file path names.
enum SharedMasterKey {
    static let fileVariable = "CLAIMDECK_MASTER_KEY_FILE"
    /// The setting that holds the check value of the key the database was first opened with.
    static let checkSetting = "master_key_check"

    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Data {
        if let key = try MasterKeyFile.fromEnvironment(environment) { return key }
        if let file = environment[fileVariable], !file.isEmpty {
            guard FileManager.default.fileExists(atPath: file) else {
                throw CommandFailure(message: "\(fileVariable) names \(file), which does not exist", exitCode: 2)
            }
            return try MasterKeyFile.load(keyFile: file)
        }
        throw CommandFailure(
            message: "a PostgreSQL store needs the master key every node shares: set \(MasterKeyFile.environmentVariable) "
                + "(the base64 of 32 bytes, e.g. from 'openssl rand -base64 32') or \(fileVariable) (a file holding it, mode 0600)",
            exitCode: 2
        )
    }

    /// Refuses a key other than the one the database was set up with (the first node's), now rather
    /// than at the first key it cannot unseal. Stores a keyed check value, never the key.
    static func check(_ key: Data, against store: PostgresStore) async throws {
        let mine = try SecretBox(masterKey: key).fingerprint("claimdeck master key check", purpose: "master-key-check")
        let theirs = try await store.settingOnce(checkSetting, mine)
        guard theirs == mine else {
            throw CommandFailure(
                message: "this node's master key is not the one the database at \(store.url) was set up with: give every node "
                    + "the same \(MasterKeyFile.environmentVariable) (or \(fileVariable))",
                exitCode: 1
            )
        }
    }
}
