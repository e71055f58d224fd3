import AuthEngine
import Foundation
import SQLiteStore
import Testing

/// The engine's live audit log: the cursor the console moves along and the sequence `audit tail` reads.
@Suite("Audit tail: backlog, filter, follow, other processes")
struct AuditTailTests {
    /// `count` events; every `every`-th one a revocation by client "x", the others issuances.
    static func events(_ count: Int, every: Int, from start: Int = 0) -> [AuditEventDraft] {
        (start..<(start + count)).map { i in
            i % every == 0
                ? AuditEventDraft(time: Date(timeIntervalSince1970: Double(i)), type: .tokenRevoked, clientID: "x", tokenID: "r\(i)")
                : AuditEventDraft(time: Date(timeIntervalSince1970: Double(i)), type: .tokenIssued, clientID: "y", tokenID: "i\(i)")
        }
    }

    @Test func theBacklogIsTheLastMatchingEventsEvenWhenTheyAreFarApart() async throws {
        let f = try await Fixture.make(demo: false)
        defer { f.cleanup() }
        try await f.store.append(Self.events(5000, every: 700))
        // A small batch makes the cursor read back in several growing chunks.
        var cursor = AuditCursor(filter: AuditFilter(type: .tokenRevoked), backlog: 5, batch: 10)
        let backlog = try await cursor.poll(f.engine)
        #expect(backlog.map(\.event.tokenID) == ["r2100", "r2800", "r3500", "r4200", "r4900"])
        #expect(cursor.sequence == 5000)
        // More than there are: all of them, oldest first.
        var all = AuditCursor(filter: AuditFilter(type: .tokenRevoked), backlog: 100, batch: 10)
        #expect(try await all.poll(f.engine).map(\.event.tokenID) == stride(from: 0, to: 5000, by: 700).map { "r\($0)" })
        var none = AuditCursor(backlog: 0)
        #expect(try await none.poll(f.engine).isEmpty && none.sequence == 5000)
    }

    @Test func laterPollsGiveWhatIsNewAndMovePastWhatDoesNotMatch() async throws {
        let f = try await Fixture.make(demo: false)
        defer { f.cleanup() }
        try await f.store.append(Self.events(10, every: 5))
        var cursor = AuditCursor(filter: AuditFilter(clientID: "x"), backlog: 1, batch: 4)
        #expect(try await cursor.poll(f.engine).map(\.event.tokenID) == ["r5"])
        #expect(try await cursor.poll(f.engine).isEmpty && !cursor.behind)
        try await f.store.append(Self.events(10, every: 5, from: 10))
        // 10 new events, 4 a poll: behind until the last read.
        #expect(try await cursor.poll(f.engine).map(\.event.tokenID) == ["r10"] && cursor.behind && cursor.sequence == 14)
        #expect(try await cursor.poll(f.engine).map(\.event.tokenID) == ["r15"] && cursor.behind && cursor.sequence == 18)
        #expect(try await cursor.poll(f.engine).isEmpty && !cursor.behind && cursor.sequence == 20)
    }

    @Test(.timeLimit(.minutes(1)))
    func theTailFollowsEventsAnotherProcessAppends() async throws {
        let f = try await Fixture.make(demo: false)
        defer { f.cleanup() }
        try await f.store.append(Self.events(3, every: 1))
        let (_, otherProcess) = try await f.secondEngine()
        defer { otherProcess.close() }
        var tail = f.engine.auditTail(filter: AuditFilter(type: .tokenRevoked), backlog: 2, interval: .milliseconds(5)).makeAsyncIterator()
        #expect(try await tail.next()?.map(\.event.tokenID) == ["r1", "r2"], "the backlog comes first")
        try await otherProcess.append(Self.events(4, every: 2, from: 100))
        var seen: [String?] = []
        while seen.count < 2, let batch = try await tail.next() { seen += batch.map(\.event.tokenID) }
        #expect(seen == ["r100", "r102"])
    }
}
