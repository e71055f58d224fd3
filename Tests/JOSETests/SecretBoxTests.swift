import Foundation
import JOSE
import Testing

@Suite("SecretBox")
struct SecretBoxTests {
    let plaintext = Data("-----private key bytes-----".utf8)

    @Test func roundTrip() throws {
        let box = try SecretBox(masterKey: SecretBox.generateMasterKey())
        let sealed = try box.seal(plaintext, context: "tenant-a/kid-1")
        #expect(sealed.count == 1 + 12 + plaintext.count + 16)
        #expect(try box.open(sealed, context: "tenant-a/kid-1") == plaintext)
        #expect(try box.open(try box.seal(Data(), context: ""), context: "") == Data())
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let box = try SecretBox(masterKey: SecretBox.generateMasterKey())
        #expect(try box.seal(plaintext, context: "c") != (try box.seal(plaintext, context: "c")))
    }

    @Test func wrongMasterKeyFails() throws {
        let sealed = try SecretBox(masterKey: SecretBox.generateMasterKey()).seal(plaintext, context: "c")
        let other = try SecretBox(masterKey: SecretBox.generateMasterKey())
        #expect(throws: JOSEError.sealedDataUnopenable) { try other.open(sealed, context: "c") }
    }

    @Test func wrongContextFails() throws {
        let box = try SecretBox(masterKey: SecretBox.generateMasterKey())
        let sealed = try box.seal(plaintext, context: "tenant-a/kid-1")
        #expect(throws: JOSEError.sealedDataUnopenable) { try box.open(sealed, context: "tenant-b/kid-1") }
        #expect(throws: JOSEError.sealedDataUnopenable) { try box.open(sealed, context: "") }
    }

    @Test func everyTamperedByteFails() throws {
        let box = try SecretBox(masterKey: SecretBox.generateMasterKey())
        let sealed = try box.seal(plaintext, context: "c")
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x80
            #expect(throws: JOSEError.sealedDataUnopenable) { try box.open(tampered, context: "c") }
        }
        for length in [0, 1, 12, 28, sealed.count - 1] {
            #expect(throws: JOSEError.sealedDataUnopenable) { try box.open(sealed.prefix(length), context: "c") }
        }
        #expect(throws: JOSEError.sealedDataUnopenable) { try box.open(sealed + Data([0]), context: "c") }
    }

    @Test func slicedDataOpens() throws {
        let box = try SecretBox(masterKey: SecretBox.generateMasterKey())
        let sealed = Data([9, 9, 9]) + (try box.seal(plaintext, context: "c"))
        #expect(try box.open(sealed.dropFirst(3), context: "c") == plaintext)
    }

    @Test("master keys of the wrong length are refused", arguments: [0, 16, 31, 33, 64])
    func wrongLengthMasterKey(_ length: Int) {
        #expect(throws: JOSEError.invalidMasterKey(byteCount: length)) {
            try SecretBox(masterKey: Data(repeating: 1, count: length))
        }
    }

    @Test func errorMessageIsFixedAndRedacted() throws {
        let error = JOSEError.sealedDataUnopenable
        #expect(error.description == "sealed key cannot be opened: wrong master key or tampered data")
        let masterKey = SecretBox.generateMasterKey()
        let box = try SecretBox(masterKey: masterKey)
        var dumped = ""
        dump(box, to: &dumped)
        #expect(!"\(box)".contains(masterKey.base64EncodedString()))
        #expect(!dumped.contains(masterKey.base64EncodedString()))
    }

    @Test func seededNoncesAreDeterministic() throws {
        let masterKey = Data(repeating: 7, count: 32)
        let a = try SecretBox(masterKey: masterKey, random: SeededRandomSource(seed: 1)).seal(plaintext, context: "c")
        let b = try SecretBox(masterKey: masterKey, random: SeededRandomSource(seed: 1)).seal(plaintext, context: "c")
        #expect(a == b)
        #expect(try SecretBox(masterKey: masterKey).open(a, context: "c") == plaintext)
    }

    @Test func generatedMasterKeysAre32RandomBytes() {
        let a = SecretBox.generateMasterKey()
        let b = SecretBox.generateMasterKey()
        #expect(a.count == 32)
        #expect(a != b)
    }
}
