#!/usr/bin/env python3
"""Drives Claimdeck's mutual TLS (RFC 8705) as a client with Python's requests would.

Usage: mtls_client.py ISSUER CA_FILE CERT_FILE KEY_FILE OTHER_CERT_FILE OTHER_KEY_FILE
ISSUER is the main (https) issuer; the mTLS endpoints are found in discovery's mtls_endpoint_aliases.
The client `orders-mtls` (tls_client_auth, certificate-bound tokens) presents CERT_FILE/KEY_FILE
(cert=(certfile, keyfile)) and gets a token whose cnf x5t#S256 is the SHA-256 of the certificate's DER,
computed here; introspection over the alias says the same. Refusals: no certificate (401
invalid_client), another certificate at the token endpoint (401 invalid_client). Prints "mtls ok" and
exits 0, or raises.
"""
import base64
import hashlib
import json
import ssl
import sys

import requests

issuer, ca, cert, key, other_cert, other_key = sys.argv[1:7]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(pem_file):
    with open(pem_file) as f:
        return b64url(hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).digest())


def payload(jwt):
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


metadata = requests.get(issuer + "/.well-known/openid-configuration", verify=ca, timeout=30).json()
assert metadata["tls_client_certificate_bound_access_tokens"] is True, metadata
aliases = metadata["mtls_endpoint_aliases"]
assert "tls_client_auth" in metadata["token_endpoint_auth_methods_supported"], metadata
token_endpoint = aliases["token_endpoint"]
assert token_endpoint != metadata["token_endpoint"], aliases
form = {"grant_type": "client_credentials", "scope": "status", "client_id": "orders-mtls"}

answer = requests.post(token_endpoint, data=form, cert=(cert, key), verify=ca, timeout=30)
assert answer.status_code == 200, (answer.status_code, answer.text)
body = answer.json()
assert body["token_type"] == "Bearer", body
expected = thumbprint(cert)
assert payload(body["access_token"])["cnf"] == {"x5t#S256": expected}, payload(body["access_token"])

introspection = requests.post(
    aliases["introspection_endpoint"],
    data={"token": body["access_token"], "client_id": "orders-mtls"},
    cert=(cert, key),
    verify=ca,
    timeout=30,
)
assert introspection.status_code == 200, (introspection.status_code, introspection.text)
info = introspection.json()
assert info["active"] is True and info["cnf"] == {"x5t#S256": expected}, info

for presented in (None, (other_cert, other_key)):
    refused = requests.post(token_endpoint, data=form, cert=presented, verify=ca, timeout=30)
    assert refused.status_code == 401, (refused.status_code, refused.text)
    assert refused.json()["error"] == "invalid_client", refused.text
    assert refused.headers.get("WWW-Authenticate"), refused.headers

print("mtls ok")
