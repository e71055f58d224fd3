#!/usr/bin/env python3
"""Drives Claimdeck's PAR (RFC 9126) and DPoP (RFC 9449) endpoints as a client library would.

Usage: dpop_par_client.py ISSUER [ISSUER_B]
Authlib builds the authorization request, which is pushed to the PAR endpoint (Authlib has no PAR
call: the push is a plain POST with requests); a browser sends only client_id and request_uri; Authlib
exchanges the code with a DPoP proof that the `cryptography` package signs here (ES256, P-256), and
the JWK thumbprint is computed here from RFC 7638, independently of the server. Then userinfo with the
DPoP scheme, and the refusals: bearer use of the bound token, a replayed proof, a used request_uri.
With ISSUER_B (another node on the same database) the browser goes there with the request_uri pushed
at ISSUER, and the replay is tried there too. Prints "interop ok" and exits 0, or raises.
"""
import base64
import hashlib
import json
import sys
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from interop_browser import sign_in

issuer = sys.argv[1]
other = sys.argv[2] if len(sys.argv) > 2 else issuer
meta = requests.get(issuer + "/.well-known/oauth-authorization-server", timeout=30).json()
assert meta["pushed_authorization_request_endpoint"] == issuer + "/par", meta
assert "ES256" in meta["dpop_signing_alg_values_supported"], meta


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


key = ec.generate_private_key(ec.SECP256R1())
numbers = key.public_key().public_numbers()
jwk = {"kty": "EC", "crv": "P-256", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}
# RFC 7638: the required members in lexicographic order, no whitespace.
thumbprint = b64(hashlib.sha256(json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":")).encode()).digest())


def proof(method, url, access_token=None):
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}
    claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(time.time())}
    if access_token:
        claims["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


# The authorization request, as Authlib writes it; pushed instead of sent through the browser.
redirect_uri = "http://127.0.0.1:8765/callback"
rp = OAuth2Session("customer-portal", "portal-demo-secret", scope="openid profile invoice-read",
                   redirect_uri=redirect_uri, code_challenge_method="S256",
                   token_endpoint_auth_method="client_secret_basic")
verifier = generate_token(64)
url, state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=generate_token(16))
pushed = requests.post(meta["pushed_authorization_request_endpoint"], data=dict(parse_qsl(urlsplit(url).query)),
                       auth=("customer-portal", "portal-demo-secret"), timeout=30)
assert pushed.status_code == 201, (pushed.status_code, pushed.text)
request_uri = pushed.json()["request_uri"]
assert request_uri.startswith("urn:ietf:params:oauth:request_uri:") and pushed.json()["expires_in"] == 60, pushed.text

# The browser carries only client_id and request_uri, to the other node: the pushed request is in the store.
browser = requests.Session()
authorize = {"client_id": "customer-portal", "request_uri": request_uri}
callback = sign_in(other, other + "/authorize", params=authorize, session=browser)
assert callback.startswith(redirect_uri), callback
again = browser.get(other + "/authorize", params=authorize, allow_redirects=False, timeout=30)
assert again.status_code == 400 and "already used" in again.text, (again.status_code, again.text[:300])

# Authlib exchanges the code (checking state) with a DPoP proof.
token_proof = proof("POST", meta["token_endpoint"])
token = rp.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier,
                       headers={"DPoP": token_proof})
assert token["token_type"] == "DPoP", token
access = token["access_token"]
payload = json.loads(base64.urlsafe_b64decode(access.split(".")[1] + "=="))
assert payload["cnf"] == {"jkt": thumbprint}, payload

# A replayed proof is refused, by this node or another one.
replay = requests.post(other + "/token", data={"grant_type": "client_credentials"},
                       auth=("billing-service", "billing-demo-secret"), headers={"DPoP": token_proof}, timeout=30)
assert replay.status_code == 400 and replay.json()["error"] == "invalid_dpop_proof", replay.text
assert replay.headers["WWW-Authenticate"].startswith("DPoP "), replay.headers

info = requests.get(meta["userinfo_endpoint"], timeout=30,
                    headers={"Authorization": "DPoP " + access, "DPoP": proof("GET", meta["userinfo_endpoint"], access)})
assert info.status_code == 200 and info.json()["sub"] == "u-alice", (info.status_code, info.text)
bearer = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + access}, timeout=30)
assert bearer.status_code == 401, (bearer.status_code, bearer.text)
challenge = bearer.headers["WWW-Authenticate"]
assert challenge.startswith("DPoP ") and 'error="invalid_token"' in challenge and "algs=" in challenge, challenge

introspection = requests.post(meta["introspection_endpoint"], data={"token": access},
                              auth=("api-gateway", "gateway-demo-secret"), timeout=30).json()
assert introspection["active"] and introspection["token_type"] == "DPoP" and introspection["cnf"] == {"jkt": thumbprint}, introspection
print("jkt " + thumbprint)
print("interop ok")
