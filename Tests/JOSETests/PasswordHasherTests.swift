import Foundation
import JOSE
import Testing

@Suite("PasswordHasher")
struct PasswordHasherTests {
    @Test func roundTrip() throws {
        let encoded = try PasswordHasher.hash("correct horse battery staple", cost: .testing)
        #expect(encoded.hasPrefix("scrypt$1024$8$1$"))
        #expect(encoded.split(separator: "$").count == 6)
        #expect(PasswordHasher.verify("correct horse battery staple", against: encoded))
        #expect(!PasswordHasher.verify("correct horse battery stapler", against: encoded))
        #expect(!PasswordHasher.verify("", against: encoded))
        #expect(PasswordHasher.cost(of: encoded) == .testing)
    }

    @Test func unicodePasswords() throws {
        let encoded = try PasswordHasher.hash("pässwörd🔑", cost: .testing)
        #expect(PasswordHasher.verify("pässwörd🔑", against: encoded))
        #expect(!PasswordHasher.verify("passwort🔑", against: encoded))
    }

    @Test func saltsDiffer() throws {
        #expect(try PasswordHasher.hash("pw", cost: .testing) != (try PasswordHasher.hash("pw", cost: .testing)))
    }

    @Test func seededHashIsDeterministic() throws {
        let a = try PasswordHasher.hash("pw", cost: .testing, random: SeededRandomSource(seed: 9))
        let b = try PasswordHasher.hash("pw", cost: .testing, random: SeededRandomSource(seed: 9))
        #expect(a == b)
    }

    @Test func verifiesHashFromPythonHashlib() {
        // hashlib.scrypt("pässword", salt=b"claimdeck-salt16", n=1024, r=8, p=1, dklen=32), encoded in this format.
        let encoded = "scrypt$1024$8$1$Y2xhaW1kZWNrLXNhbHQxNg$G14LEEhyuZKvbJvGqQ8tWpDSUpVZQ6wUG_HW3RiOf5E"
        #expect(PasswordHasher.verify("pässword", against: encoded))
        #expect(!PasswordHasher.verify("password", against: encoded))
    }

    @Test(
        "malformed encodings are refused",
        arguments: [
            "",
            "scrypt",
            "scrypt$1024$8$1$c2FsdHNhbHQ",
            "scrypt$1024$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$extra",
            "bcrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",  // N not a power of two
            "scrypt$1048576000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",  // N absurd
            "scrypt$1024$0$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$1024$8$0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$1024$8$99$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$+1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$-1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$ 1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$1024$8$1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$1024$8$1$c2FsdHNhbHRzYWx0$",
            "scrypt$1024$8$1$$aGFzaGhhc2hoYXNoaGFzaA",
            "scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaA",  // hash too short
            "scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
            "scrypt$$$$$",
        ]
    )
    func malformed(_ encoded: String) {
        #expect(!PasswordHasher.verify("pw", against: encoded))
        #expect(PasswordHasher.cost(of: encoded) == nil)
    }

    @Test func tamperedHashFails() throws {
        let encoded = try PasswordHasher.hash("pw", cost: .testing)
        var parts = encoded.split(separator: "$").map(String.init)
        var hash = [UInt8](try #require(Base64URL.decode(parts[5])))
        hash[0] ^= 1
        parts[5] = Base64URL.encode(hash)
        #expect(!PasswordHasher.verify("pw", against: parts.joined(separator: "$")))
        // Raising the recorded cost changes the derived key, so it fails too.
        parts = encoded.split(separator: "$").map(String.init)
        parts[1] = "2048"
        #expect(!PasswordHasher.verify("pw", against: parts.joined(separator: "$")))
    }

    @Test func invalidInputsThrow() {
        #expect(throws: JOSEError.emptyPassword) { try PasswordHasher.hash("", cost: .testing) }
        #expect(throws: JOSEError.invalidScryptCost) { try PasswordHasher.hash("pw", cost: ScryptCost(n: 1000, r: 8, p: 1)) }
        #expect(throws: JOSEError.invalidScryptCost) { try PasswordHasher.hash("pw", cost: ScryptCost(n: 1 << 20, r: 8, p: 1)) }
        #expect(throws: JOSEError.invalidScryptCost) { try PasswordHasher.hash("pw", cost: ScryptCost(n: 1024, r: 0, p: 1)) }
        // r = 32, p = 1 would exceed the memory limit swift-crypto passes to BoringSSL, so it is refused as a cost.
        #expect(throws: JOSEError.invalidScryptCost) { try PasswordHasher.hash("pw", cost: ScryptCost(n: 1024, r: 32, p: 1)) }
    }

    @Test(
        "every acceptable boundary cost actually hashes",
        arguments: [
            ScryptCost(n: 2, r: 1, p: 1), ScryptCost(n: 1024, r: 16, p: 1), ScryptCost(n: 16, r: 32, p: 16), ScryptCost(n: 1024, r: 1, p: 16),
        ]
    )
    func boundaryCosts(_ cost: ScryptCost) throws {
        #expect(cost.isAcceptable)
        let encoded = try PasswordHasher.hash("pw", cost: cost)
        #expect(PasswordHasher.verify("pw", against: encoded))
    }

    @Test func costConstants() {
        #expect(ScryptCost.interactive == ScryptCost(n: 32768, r: 8, p: 1))
        #expect(ScryptCost.testing == ScryptCost(n: 1024, r: 8, p: 1))
        #expect(ScryptCost.interactive.isAcceptable)
        #expect(ScryptCost.testing.isAcceptable)
    }

    @Test func interactiveCostRoundTrip() throws {
        let encoded = try PasswordHasher.hash("pw", cost: .interactive)
        #expect(encoded.hasPrefix("scrypt$32768$8$1$"))
        #expect(PasswordHasher.verify("pw", against: encoded))
    }
}
