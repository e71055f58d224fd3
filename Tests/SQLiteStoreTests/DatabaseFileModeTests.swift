import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Logging
import SQLiteStore
import Testing

/// The database's files hold password hashes, user attributes and the audit trail: the owner's alone.
@Suite("database file modes")
struct DatabaseFileModeTests {
    func mode(_ path: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test("a new database: its new directory 0700, the database, WAL and shared-memory files 0600")
    func newDatabaseIsOwnerOnly() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-modes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("data/claimdeck.db").path
        let store = try SQLiteStore(path: path, durable: false)
        let engine = try await ClaimdeckEngine(
            store: store,
            masterKey: SecretBox.generateMasterKey(),
            configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:1")
        )
        // A write, so that SQLite creates the WAL and shared-memory files.
        _ = try await engine.createTenant(id: "acme", actor: "test")
        #expect(mode(root.appendingPathComponent("data").path) == 0o700)
        #expect(mode(path) == 0o600)
        #expect(mode(path + "-wal") == 0o600)
        #expect(mode(path + "-shm") == 0o600)
        store.close()
    }

    @Test("an existing database readable by others is opened, with a warning that says how to fix it")
    func existingWorldReadableFileIsWarnedAbout() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-modes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("shared.db").path
        try SQLiteStore(path: path, durable: false).close()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)

        let logs = LogCapture()
        let store = try SQLiteStore(path: path, durable: false, logger: Logger(label: "test.store") { logs.handler(label: $0) })
        #expect(mode(path) == 0o644, "the operator's choice is left alone")
        let warning = try #require(logs.all.first { $0.contains("readable by other users") })
        #expect(warning.hasPrefix("warning"))
        #expect(warning.contains("chmod 600 \(path)") && warning.contains("shared.db=644"))

        store.close()

        // Owner-only files open without one (the WAL and shared-memory files SQLite made took the database's mode).
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
        let quiet = LogCapture()
        try SQLiteStore(path: path, durable: false, logger: Logger(label: "test.store") { quiet.handler(label: $0) }).close()
        #expect(!quiet.all.contains { $0.contains("readable by other users") })
    }

    @Test("a database path whose directory cannot be created: an error naming it, nothing created")
    func uncreatableDirectoryIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-modes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A file where the directory should be.
        let blocker = dir.appendingPathComponent("blocker")
        FileManager.default.createFile(atPath: blocker.path, contents: Data())
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: blocker.appendingPathComponent("sub/claimdeck.db").path, durable: false)
        }
        #expect(error?.message.contains("cannot create the database directory") == true)
    }
}
