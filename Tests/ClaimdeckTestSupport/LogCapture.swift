import InMemoryLogging
import Logging

/// Collects log lines in memory, to check what the product logs: swift-log's `InMemoryLogHandler`, with
/// each logger's label kept in the metadata and every entry rendered as one searchable line.
public final class LogCapture: Sendable {
    /// One handler, so every logger made from this capture appends to the same entries (the handler's
    /// store is shared by its copies).
    private let handler: InMemoryLogHandler

    public init() {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        self.handler = handler
    }

    /// A handler for a logger labelled `label`, writing into this capture.
    public func handler(label: String) -> any LogHandler {
        var labelled = handler
        labelled[metadataKey: "logger"] = .string(label)
        return labelled
    }

    /// Every entry so far as `level message key=value… error=…`, metadata sorted by key.
    public var all: [String] {
        handler.entries.map { entry in
            let fields = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(entry.level) \(entry.message) \(fields) \(entry.error.map { "error=\($0)" } ?? "")"
        }
    }
}
