import JOSE

/// Keys and tokens produced outside Swift by Python's `cryptography` package (48.0.0),
/// so verification is checked against an independent implementation.
/// All keys here are throwaway test keys.
enum ExternalFixtures {
    /// ES256 JWS (raw r||s signature) and its public JWK.
    static let es256JWK = JWK(
        kty: "EC",
        crv: "P-256",
        x: "a71c_egs69RNMAbrDcapCoFrO8VbZ1x5_GgST8cueuw",
        y: "FDT3i1CHEH1-kNrvL_sJXY5TzTfUwjuNK0O0KJ3JHM8",
        kid: "py-es"
    )
    static let es256Token =
        "eyJhbGciOiJFUzI1NiIsImtpZCI6InB5LWVzIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL3B5dGhvbi5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJjbGFpbWRlY2siLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMCwibmFtZSI6Ilpvw6sgXCJaXCIgw5xuw69jb2RlIn0.u8DwGCsoO7pTM1zWDfjpEomKa8lW2UMWijEcWsQBiWsiWEPm6Dfc-_YdO0edVWutgWrTEbuS-PFfUDJjTrF71g"

    /// RS256 JWS (PKCS#1 v1.5, 2048-bit key), its public JWK, and the private key as PKCS#1 DER (base64).
    static let rs256JWK = JWK(
        kty: "RSA",
        n:
            "1AFB2iTa37Iyd0izFRLRnuxx-XS7z2S1cm7E04ES66WXx12C3c-1I2qJpHcnFdjYCAKam3DYFQyjTxY240W3YWeLaMZWR9v7iTvhpBXhKRianu8Jm4g0EdnamJCXXnvq7ORovpzRRIo59yhvbXs3fExypp-zaEyvYILcZ_ZPwWyW7ojVIHZ6ONrgKdMnc15cZiVNSKwDyyMLsneKI07zKmbbWF4UcPb7zMsZprPXK_KtogrEn2IadGQSuysHQxgu2Uo-VMu-M-H_ji8J5mr4SmtewNH4eb3UM7Q3DJw11y6xGDfHFdQZ9Hlb-IxvC80MRo7xKgIT45wm2iNP5DSOkQ",
        e: "AQAB",
        kid: "py-rs"
    )
    static let rs256Token =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6InB5LXJzIn0.eyJpc3MiOiJodHRwczovL3B5dGhvbi5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJjbGFpbWRlY2siLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMCwibmFtZSI6Ilpvw6sgXCJaXCIgw5xuw69jb2RlIn0.iU4GSWsyatkUa--G7gNTKhKOL3EtKrKpR5w3O3Vp-F24_IjycNS6qFmy70n9l5WVrfDL0pfHZ6Nc4F4twH_Jywks6tQL3tywRI17Ph56CYY5fWRKAeoiQScOd08e8P5OLsm5nVwYMDL-q_BsPsBgRts9DEKvbjDFPX3iAlf3m_AbfyqDy2yT9-hbguALFMs6BMkF22YITVYqEhQp0KC38qTC_yItylw2oMRga8q3wVmdj5CmwAGgVBzVeLgEKJVQJruF6I268qqVNRRY2NQDajVYCL9fnuTAYdISDImuc9dQFcFp0TgLVwWNtQDFcwBVqfND-cXcocn4_pKpc4ywGg"
    static let rs256PrivateKeyPKCS1Base64 =
        "MIIEogIBAAKCAQEA1AFB2iTa37Iyd0izFRLRnuxx+XS7z2S1cm7E04ES66WXx12C3c+1I2qJpHcn"
        + "FdjYCAKam3DYFQyjTxY240W3YWeLaMZWR9v7iTvhpBXhKRianu8Jm4g0EdnamJCXXnvq7ORovpzR"
        + "RIo59yhvbXs3fExypp+zaEyvYILcZ/ZPwWyW7ojVIHZ6ONrgKdMnc15cZiVNSKwDyyMLsneKI07z"
        + "KmbbWF4UcPb7zMsZprPXK/KtogrEn2IadGQSuysHQxgu2Uo+VMu+M+H/ji8J5mr4SmtewNH4eb3U"
        + "M7Q3DJw11y6xGDfHFdQZ9Hlb+IxvC80MRo7xKgIT45wm2iNP5DSOkQIDAQABAoIBAC2p56k47vvn"
        + "wf73ZbtQRl5Yx2PXxOwy4PI48aQs1Qp0rHCAr8NfDcEHHYaTM5P9FOsExJBeiexewH40ZrYlOg58"
        + "4wY6UjNAKrmwcDWLkOftKMC68/LQL4b4yaC65B+xyTQlLnqABIMi0sFtsDKAq77WKIvDMj1w5wV+"
        + "qkKqRxt+B9f+UM/WLJH4RWeXqJdr9F84nEuDVPz6uqLYIcv9GjJx6gE2jA0csUFY0WR5u4q3r626"
        + "KOaOTSgmJCIzsjsBHLxCM82C82DkrztVlg4HBW7w4o6KMfGI8LHLhYgROwQeEBqgUeWRwW95/YLo"
        + "T26l256LvJ8Zw2awFVQg7gIVvVECgYEA6p7J/btp1Yd0kPuBwC5uqmQ94W3ZncJFoD6aC9QmJOBy"
        + "/0SbuUPfs2CmgQU0bLP7ayA0fodqsTci3R97+fHTXR21vFmsZWauJA+FXhT+ULby1IKs6bJ034QE"
        + "e2c9Yt8ZNLUqGHCt/hXBdG0mSOxooxPCzUtaUY14/dJZXJEB7rsCgYEA51Ll7UNoi+GNWR8jMOEu"
        + "cp7wbN489BDZgmt5AunWphvi8wQnGAI0i/6RNtIwauVM42EWWmRwojZy0qeoAfOzqvh2QbbPiOZN"
        + "BvJstfsdz7qHYkhcCSAGGria7Pta2dYK0XdI8HqSuNP+G2VIEv2Qeah4zgBYEBfVUpfQ4DEbkSMC"
        + "gYBDUj7ZbI5os85xz4kikPA2Oj87UR7xUo5R9cSUAlLToAe/UXtxhJVKzj/Yo5qwWlCZI4uMhuTJ"
        + "Zu29D0yuooIopN7B5eU+z2DGfiGhplp25Jf2/GwLPqakgCgdFLmbhjKgWh9zFdoHH0z8UFl88UDx"
        + "EjmCWM3YusRt6I61rfIlAwKBgCQTpLJdOffe5HmKxqU/6UuNCDgibOUvn4yckFHpAEYFwV5fPm2b"
        + "InDW8fTX0R9KxbQMlzzfv0U9Mqkx5pzvUg0PFPpotXNHX6n+sv+qu1qDX8vvNxNhQDJ4qgjdpqyk"
        + "milS7jg7FZjnzxCcuiHkE901binKmfFgli98Z+IfJop7AoGAaOACpbI9gqKeqczf4qtOv4llNfuE"
        + "Gm9yCm59rol2PpwS1Sk9L1v11zr1yrDwE+/aJiyNZz9Lwwi/YQuZlfGQ8IixAnsonVqMTPA2krwG"
        + "5G/ijhch7IKXvVm9jpqvOO3Ybjutbg5v4qyqvcd2tfkK8KoeOS7IfwLfl+u/Sc7QPdg="

    /// PS256 JWS (RSASSA-PSS, MGF1-SHA-256, 32-byte salt) over the RS256 token's payload, signed by
    /// `cryptography` with the same key (`rs256PrivateKeyPKCS1Base64`); the JWK names PS256.
    static let ps256JWK = JWK(kty: "RSA", n: rs256JWK.n, e: rs256JWK.e, kid: "py-rs", alg: "PS256")
    static let ps256Token =
        "eyJhbGciOiJQUzI1NiIsImtpZCI6InB5LXJzIn0.eyJpc3MiOiJodHRwczovL3B5dGhvbi5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJjbGFpbWRlY2siLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMCwibmFtZSI6Ilpvw6sgXCJaXCIgw5xuw69jb2RlIn0.M2v82EVnByc2w9_jenGMhfIiH06fi6OGd1H0Nl8Mb6SoT9tSWIRrUHCEiulLV3GSsSoYPzfwBcvL855qjFHOFjMBLVwTzJtA6Uvr2cHiYtTBZx_sRZS-j8f5CbXiqx_Cw7AZgWec8q-Z0yDeH6StQq1mIts-Ovto6lPFcX4bONpsDrQ2OEzuQqDNx9ffFvcKuzY6v5OT3-34U2U16Ib2j5YLcrk5WYf49WH-oTHwQrZydjwHaeaTAHnQVlgkEuHn2v2o96StHmtpzW0HY1PYF1R77zbXA5x48fXORDaqPtjo1GHvf5mRQdWCuMJQso7nABrT_nOb1IrnmGBoaT5X2Q"

    /// EdDSA (Ed25519) JWS and its public JWK.
    static let edDSAJWK = JWK(kty: "OKP", crv: "Ed25519", x: "HBOYVbVqyyjQLcRS8TJ8vFQCyZpc9F27WeqBLxKrNkc", kid: "py-ed")
    static let edDSAToken =
        "eyJhbGciOiJFZERTQSIsImtpZCI6InB5LWVkIn0.eyJpc3MiOiJodHRwczovL3B5dGhvbi5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJhdWQiOiJjbGFpbWRlY2siLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMCwibmFtZSI6Ilpvw6sgXCJaXCIgw5xuw69jb2RlIn0.ItsnSsZ8ZZY0O2u_ZXB32j3k152LhSuhP4ON2jKfaB2HrKrMHVjzOZIY_uM6zqqV2r0VHjGElKVwxOsraUHaBQ"

    /// A 1024-bit RSA public key, which must be refused.
    static let rsa1024JWK = JWK(
        kty: "RSA",
        n:
            "yk8hPGJ8FdAiW995kWMX7nT3zMG_l_WkCTaRqF06UqCm4vKdqI0hbGa8dHEArbbdvNfQH5hC-CkiFM2B8isYU5nd4ELx8OlI4cxqngUkNl6JnNHOoHXIGw4kArGk0EBxCwodpniNDBNUZzp9qkZguK-EUO73de9i_i8mOJ8EUPs",
        e: "AQAB"
    )

    /// The RSA key of RFC 7638 §3.1 (also RFC 7517 Appendix A.1) and its published thumbprint.
    static let rfc7638JWK = JWK(
        kty: "RSA",
        n:
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        e: "AQAB",
        kid: "2011-04-29"
    )
    static let rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
}
