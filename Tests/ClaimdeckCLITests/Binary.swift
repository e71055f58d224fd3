import ClaimdeckTestSupport
import Foundation
import JOSE
import Subprocess

/// The real `claimdeck` executable, run as a subprocess.
struct Binary {
    struct Result {
        var code: Int32
        var stdout: String
        var stderr: String
        var json: JSONValue? { try? JSONValue(parsing: stdout) }
    }

    static var path: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("claimdeck").path,
            RepoPaths.root.appendingPathComponent(".build/debug/claimdeck").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    static var repoRoot: URL { RepoPaths.root }

    /// The example API (Sources/InvoicesAPI), built beside `claimdeck`.
    static var invoicesAPIPath: String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("InvoicesAPI").path
    }

    /// Runs `claimdeck <arguments>` to completion, without `CLAIMDECK_DB` from the test's environment.
    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> Result {
        var overrides: [Subprocess.Environment.Key: String?] = ["CLAIMDECK_DB": nil]
        for (k, v) in environment { overrides[Subprocess.Environment.Key(stringLiteral: k)] = v }
        return try await complete(path, arguments, environment: .inherit.updating(overrides), stdin: stdin)
    }

    /// Runs `executable` to completion in the repository root through swift-subprocess, which waits for
    /// the process and reads its output with asynchronous I/O: no Swift concurrency thread (CI machines
    /// have two) is blocked while it runs, so other tests' polling loops keep their deadlines.
    static func complete(
        _ executable: String,
        _ arguments: [String],
        environment: Subprocess.Environment = .inherit,
        stdin: String? = nil
    ) async throws -> Result {
        let limit = 16 * 1024 * 1024
        let result = try await Subprocess.run(
            .path(.init(executable)),
            arguments: Arguments(arguments),
            environment: environment,
            workingDirectory: .init(repoRoot.path),
            input: .string(stdin ?? ""),
            output: .string(limit: limit),
            error: .string(limit: limit)
        )
        let code: Int32
        switch result.terminationStatus {
        case .exited(let status): code = status
        // As Foundation's Process reports it: the signal's number.
        case .signaled(let signal): code = signal
        }
        return Result(code: code, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "")
    }

    /// Starts a long-running `claimdeck <arguments>`; its stdout so far is `output`.
    ///
    /// Stdout is read by a plain thread with blocking reads, not by `FileHandle.readabilityHandler`:
    /// that handler is a libdispatch source, and on Linux a source still registered when the pipe's
    /// descriptor is closed crashed the whole test process in `_dispatch_event_loop_drain` (signal 11,
    /// seen once in a fresh-clone CI run).
    final class Running: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private var started = false
        private let pipe = Pipe()
        private let readerDone = DispatchSemaphore(value: 0)

        /// - Parameter environment: variables set on top of this process's environment (without `CLAIMDECK_DB`).
        /// - Parameter executable: the program (default `claimdeck`; `Binary.invoicesAPIPath` for the example API).
        init(_ arguments: [String], environment: [String: String] = [:], executable: String = Binary.path) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            var inherited = ProcessInfo.processInfo.environment
            inherited["CLAIMDECK_DB"] = nil
            process.environment = inherited.merging(environment) { $1 }
            process.currentDirectoryURL = Binary.repoRoot
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            started = true
            // The parent's copy of the write end must go, or the reader never sees end of file.
            try? pipe.fileHandleForWriting.close()
            let fd = pipe.fileHandleForReading.fileDescriptor
            let thread = Thread { [self] in
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    lock.lock()
                    bytes += chunk[0..<n]
                    lock.unlock()
                }
                readerDone.signal()
            }
            thread.start()
        }

        deinit { stop() }

        var output: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The port of the line "Claimdeck serving on http(s)://127.0.0.1:<port>", once the line is complete.
        func boundPort() async throws -> Int? {
            let pattern = /serving on https?:\/\/127\.0\.0\.1:(\d+)\n/
            for _ in 0..<200 {
                if let match = output.firstMatch(of: pattern) { return Int(match.1) }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        /// Waits until stdout contains `text`. Looks once more after the deadline: on a loaded CI
        /// machine this task can be starved past the deadline while the text has long arrived.
        func waitFor(_ text: String, timeout: Duration = .seconds(20)) async throws -> Bool {
            let start = ContinuousClock.now
            while ContinuousClock.now - start < timeout {
                if output.contains(text) { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return output.contains(text)
        }

        /// Stops the process (SIGTERM) and waits for it and for the reader to see end of file.
        func stop() {
            guard started else { return }
            if process.isRunning {
                process.terminate()
            }
            process.waitUntilExit()
            readerDone.wait()
            readerDone.signal()  // a second stop() returns at once
        }
    }

    static func freePort() -> Int {
        // Bind port 0 and read what the kernel chose.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// `claimdeck serve --demo --port 0` over a new database: the server binds a free port itself (no
    /// race with another test for a port chosen beforehand) and says which; waits until it serves.
    /// The caller stops the server and removes `dir`.
    static func serveDemo() async throws -> (server: Running, port: Int, dir: URL, db: String) {
        let (dir, db) = try tempDB()
        let server = try Running(["serve", "--db", db, "--port", "0", "--demo", "--log-level", "error"])
        // Loading the demo (scrypt, an RSA key) in a debug build on a loaded CI machine can take a while.
        guard try await server.waitFor("serving on http://127.0.0.1:", timeout: .seconds(90)),
            let port = try await server.boundPort()
        else {
            server.stop()
            try? FileManager.default.removeItem(at: dir)
            throw BinaryError("claimdeck serve --demo did not start: \(server.output)")
        }
        return (server, port, dir, db)
    }

    struct BinaryError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func tempDB() throws -> (dir: URL, db: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, dir.appendingPathComponent("c.db").path)
    }
}
