#!/usr/bin/env python3
"""Writes DPoP proofs (RFC 9449) for bench/lua/token_dpop.lua, one a line.

    python3 bench/dpop_proofs.py URL COUNT FILE

Each proof is an ES256 JWS over a new P-256 key's public JWK (one key for the whole file, as one
client instance would hold), htm POST, htu URL, its own jti and the iat of now: the server accepts
them for 300 s. Needs the `cryptography` package (python3-cryptography).
"""
import base64
import json
import sys
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    url, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}
    header = b64(json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}, separators=(",", ":")).encode())
    iat = int(time.time())
    with open(path, "w") as out:
        for _ in range(count):
            claims = {"jti": str(uuid.uuid4()), "htm": "POST", "htu": url, "iat": iat}
            signing_input = header + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
            r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
            out.write(signing_input + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big")) + "\n")


if __name__ == "__main__":
    main()
