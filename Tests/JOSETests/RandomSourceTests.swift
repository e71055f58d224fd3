import JOSE
import Testing

@Suite("RandomSource")
struct RandomSourceTests {
    @Test func seededIsDeterministic() {
        let a = SeededRandomSource(seed: 123)
        let b = SeededRandomSource(seed: 123)
        #expect(a.bytes(37) == b.bytes(37))
        #expect(a.bytes(5) == b.bytes(5))
        #expect(SeededRandomSource(seed: 1).bytes(16) != SeededRandomSource(seed: 2).bytes(16))
    }

    @Test func splitmix64ReferenceValue() {
        // splitmix64 from seed 0 yields 0xE220A8397B1DCDAF first; bytes are little-endian.
        #expect(SeededRandomSource(seed: 0).bytes(8) == [0xAF, 0xCD, 0x1D, 0x7B, 0x39, 0xA8, 0x20, 0xE2])
    }

    @Test func counts() {
        for source in [SystemRandomSource() as any RandomSource, SeededRandomSource(seed: 5)] {
            #expect(source.bytes(0).isEmpty)
            #expect(source.bytes(-3).isEmpty)
            #expect(source.bytes(1).count == 1)
            #expect(source.bytes(33).count == 33)
        }
    }

    @Test func systemBytesVary() {
        let source = SystemRandomSource()
        #expect(source.bytes(32) != source.bytes(32))
    }
}
