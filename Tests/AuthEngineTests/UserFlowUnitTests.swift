import Foundation
import JOSE
import Testing

@testable import AuthEngine

@Suite("Login throttling, with a manual clock")
struct LoginThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func threeFreeFailuresThenDoublingDelaysCappedAndForgotten() {
        var policy = LoginThrottle.Policy()
        policy.maxDelay = 8
        let throttle = LoginThrottle(policy: policy)
        let account = LoginThrottle.accountKey(tenantID: "t", username: "Alice")
        var now = start
        for _ in 0..<3 {
            #expect(throttle.wait(account: account, address: nil, now: now) == 0)
            throttle.recordFailure(account: account, address: nil, now: now)
        }
        #expect(throttle.wait(account: account, address: nil, now: now) == 1)
        #expect(
            throttle.wait(account: LoginThrottle.accountKey(tenantID: "t", username: "alice"), address: nil, now: now) == 1,
            "usernames compare case-insensitively"
        )
        #expect(
            throttle.wait(account: LoginThrottle.accountKey(tenantID: "other", username: "alice"), address: nil, now: now) == 0,
            "tenants are separate"
        )
        var delays: [Int] = []
        for _ in 0..<5 {
            let wait = throttle.wait(account: account, address: nil, now: now)
            delays.append(wait)
            now = now.addingTimeInterval(TimeInterval(wait))
            throttle.recordFailure(account: account, address: nil, now: now)
        }
        #expect(delays == [1, 2, 4, 8, 8])
        now = now.addingTimeInterval(policy.forgetAfter)
        #expect(throttle.wait(account: account, address: nil, now: now) == 0)
    }

    @Test func successClearsTheAccountButNotTheAddress() {
        let throttle = LoginThrottle()
        let account = LoginThrottle.accountKey(tenantID: "t", username: "bob")
        let address = LoginThrottle.addressKey(tenantID: "t", address: "10.0.0.1")
        for i in 0..<10 {
            throttle.recordFailure(account: LoginThrottle.accountKey(tenantID: "t", username: "user\(i)"), address: address, now: start)
        }
        #expect(throttle.wait(account: account, address: address, now: start) == 1, "one address guessing many accounts is throttled")
        throttle.recordFailure(account: account, address: nil, now: start)
        throttle.recordSuccess(account: account)
        #expect(throttle.wait(account: account, address: nil, now: start) == 0)
        #expect(throttle.wait(account: nil, address: address, now: start) == 1)
    }
}

@Suite("Device user codes")
struct UserCodeTests {
    @Test func codesUseOnlyUnambiguousConsonantsAndAreUniform() {
        let random = SeededRandomSource(seed: 7)
        var counts: [Character: Int] = [:]
        for _ in 0..<2_000 {
            let code = UserCode.generate { random.bytes($0) }
            #expect(code.count == 8)
            for c in code { counts[c, default: 0] += 1 }
        }
        #expect(Set(counts.keys) == Set("BCDFGHJKLMNPQRSTVWXZ"))
        // 16,000 draws over 20 letters: 800 expected each; a biased modulo would skew far more than this.
        #expect(counts.values.allSatisfy { (650...950).contains($0) }, "\(counts)")
    }

    @Test func typedCodesAreNormalized() {
        #expect(UserCode.normalize("bcdf-ghjk") == "BCDFGHJK")
        #expect(UserCode.normalize(" BCDF GHJK ") == "BCDFGHJK")
        #expect(UserCode.normalize("BCDF-GHJA") == nil, "a vowel is never part of a code")
        #expect(UserCode.normalize("BCDF-GHJ") == nil)
        #expect(UserCode.normalize("ВCDF-GHJK") == nil, "a Cyrillic look-alike is refused")
        #expect(UserCode.display("BCDFGHJK") == "BCDF-GHJK")
    }
}

@Suite("PKCE and authorization responses")
struct PKCEAndResponseTests {
    @Test func s256MatchesTheRFC7636Example() {
        // RFC 7636 Appendix B.
        #expect(PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="))
        #expect(PKCE.isValidVerifier(String(repeating: "a", count: 43)) && PKCE.isValidVerifier(String(repeating: "~", count: 128)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42)) && !PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "+"))
    }

    @Test func redirectsKeepTheRegisteredQueryAndEncodeEverything() {
        let url = AuthorizationResponse.url("https://app.example/cb?tenant=a", code: "cdc_x", state: "a b&c=d", issuer: "https://id.example/t")
        #expect(url == "https://app.example/cb?tenant=a&code=cdc_x&state=a%20b%26c%3Dd&iss=https%3A%2F%2Fid.example%2Ft")
        let error = AuthorizationResponse.url("com.example.app:/cb", error: .invalidScope("bad"), state: nil, issuer: "https://i")
        #expect(error == "com.example.app:/cb?error=invalid_scope&error_description=bad&iss=https%3A%2F%2Fi")
    }

    @Test func theAccessTokenHashIsTheLeftHalfOfTheDigest() {
        // OpenID Connect Core §3.1.3.6 with the example token of RFC 6749 §4.1.4.
        let hash = IDTokenMinter.accessTokenHash("2YotnFZFEjr1zCsicMWpAA", algorithm: .es256)
        #expect(hash.count == 22)
        #expect(IDTokenMinter.accessTokenHash("2YotnFZFEjr1zCsicMWpAA", algorithm: .edDSA).count == 43)
    }
}
