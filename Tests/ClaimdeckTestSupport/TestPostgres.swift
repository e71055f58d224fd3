import Foundation
import Synchronization

/// The PostgreSQL server the PostgreSQL store's tests run against, and a fresh database per test.
///
/// One approach everywhere: `.ci/postgres` starts a throwaway cluster (initdb as the `postgres`
/// user into a temporary directory, a free port, trust on loopback). `.ci/run` starts one for the
/// whole run and exports `CLAIMDECK_TEST_POSTGRES_URL`. Without that variable (a plain `swift test`
/// on a developer's machine) the first test that needs PostgreSQL starts one the same way and the
/// process stops it when it exits; if none can start, the test fails saying why — never a skip.
public enum TestPostgres {
    /// The server's URL (no password: the cluster trusts loopback).
    public static func serverURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["CLAIMDECK_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        return try localCluster.get()
    }

    /// A cluster of this test process's own, started once.
    private static let localCluster: Result<String, any Error> = Result {
        let cluster = try Cluster.start()
        clusterDirectory.withLock { $0 = cluster.directory }
        atexit { TestPostgres.stopLocalCluster() }
        return cluster.url
    }

    /// A throwaway cluster a test owns: one it may halt and resume (a database outage) without
    /// disturbing the tests that share the run's cluster.
    public struct Cluster: Sendable {
        public let directory: String
        /// The `postgres` database's URL.
        public let url: String

        public static func start() throws -> Cluster {
            // The script's output goes to a file, not a pipe: the server it starts would hold a pipe open.
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-pg-\(UUID().uuidString).out")
            defer { try? FileManager.default.removeItem(at: out) }
            let status = try script(["start"], output: out.path)
            let lines = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            guard status == 0, lines.count >= 2, let url = lines.last, url.hasPrefix("postgres://") else {
                throw FixtureError(
                    "no PostgreSQL for the tests: .ci/postgres start failed (\(lines.joined(separator: " / "))); install the server "
                        + "(apt-get install postgresql) or set CLAIMDECK_TEST_POSTGRES_URL"
                )
            }
            return Cluster(directory: lines[lines.count - 2], url: url)
        }

        /// Stops the server, keeping its data.
        public func halt() throws { try Self.check(Self.script(["halt", directory], output: "/dev/null"), "halt") }
        /// Starts the halted server again on its port.
        public func resume() throws { try Self.check(Self.script(["resume", directory], output: "/dev/null"), "resume") }
        /// Stops the server and removes its directory.
        public func stop() { _ = try? Self.script(["stop", directory], output: "/dev/null") }

        private static func script(_ arguments: [String], output: String) throws -> Int32 {
            try spawnAndWait(RepoPaths.root.appendingPathComponent(".ci/postgres").path, arguments, output: output)
        }

        private static func check(_ status: Int32, _ what: String) throws {
            guard status == 0 else { throw FixtureError(".ci/postgres \(what) failed (exit \(status))") }
        }
    }

    private static let clusterDirectory = Mutex<String?>(nil)

    private static func stopLocalCluster() {
        guard let dir = clusterDirectory.withLock({ $0 }) else { return }
        Cluster(directory: dir, url: "").stop()
    }

    /// Runs a program with its output appended to the file `output` and waits for it with `waitpid`.
    /// Not Foundation's `Process`: on Linux it learns of the child's exit through a socket the child
    /// inherits, and the server `pg_ctl` leaves running inherits it too, so `waitUntilExit` never returns.
    /// (`.ci/postgres` closes every other descriptor it inherits before it starts the server.)
    fileprivate static func spawnAndWait(_ path: String, _ arguments: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw FixtureError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// Creates an empty database with a unique name and returns its URL, so tests stay independent
    /// and can run in parallel. Databases are left behind: the cluster is thrown away after the run.
    ///
    /// The URL carries `connect_timeout` (the store's deadline for every call): 60 s unless a test is
    /// about the deadline itself, because a CI machine running every suite at once on two cores can
    /// keep a healthy server from answering within the product's 5 s default.
    public static func freshDatabase(on server: String? = nil, connectTimeout: Int = 60) throws -> String {
        let server = try server ?? serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-psql-\(name).out")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = try spawnAndWait(
            "/usr/bin/env",
            ["psql", server, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"],
            output: log.path
        )
        guard status == 0 else {
            throw FixtureError("psql could not create a test database: \((try? String(contentsOf: log, encoding: .utf8)) ?? "no output")")
        }
        guard let slash = server.lastIndex(of: "/") else { throw FixtureError("not a database URL") }
        return server[..<slash] + "/" + name + "?connect_timeout=\(connectTimeout)"
    }
}
