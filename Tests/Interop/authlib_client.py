#!/usr/bin/env python3
"""Drives Claimdeck with Authlib, a standard OAuth 2.0 / OpenID Connect client library.

Usage: authlib_client.py ISSUER [ISSUER_B ISSUER_C]
Walks the authorization code flow with PKCE as a relying party does (discovery, authorization URL,
a browser that signs in, code exchange, ID token validation against the JWKS, userinfo, refresh
rotation and reuse detection), then client_credentials. Prints "interop ok" and exits 0, or raises.
With three issuers (three nodes on one database) the refresh goes to the second node, the reuse of
the old refresh token to the third, and the first must then refuse the family's newest token.
"""
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from interop_browser import sign_in

issuer = sys.argv[1]
others = sys.argv[2:4]
meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=30).json()
assert meta["issuer"] == issuer, meta["issuer"]
assert "S256" in meta["code_challenge_methods_supported"]
jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=30).json())

# The relying party: customer-portal, a confidential client with PKCE.
redirect_uri = "http://127.0.0.1:8765/callback"
rp = OAuth2Session("customer-portal", "portal-demo-secret", scope="openid profile email invoice-read",
                   redirect_uri=redirect_uri, code_challenge_method="S256",
                   token_endpoint_auth_method="client_secret_basic")
verifier = generate_token(64)
nonce = generate_token(16)
url, state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)

# The browser: follows the authorization URL, fills in the sign-in form, stops at the redirect back.
callback = sign_in(issuer, url)
assert callback.startswith(redirect_uri), callback

# The relying party again: exchanges the code (Authlib checks state), validates the ID token.
token = rp.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
assert token["token_type"] == "Bearer" and "refresh_token" in token and "id_token" in token
claims = jwt.decode(token["id_token"], jwks, claims_options={
    "iss": {"essential": True, "value": issuer},
    "aud": {"essential": True, "value": "customer-portal"},
    "nonce": {"essential": True, "value": nonce},
})
claims.validate()
assert claims["sub"] == "u-alice" and claims["email"] == "alice@example.com", claims

info = rp.get(meta["userinfo_endpoint"]).json()
assert info["sub"] == "u-alice" and info["name"] == "Alice Andersson", info

def token_endpoint(at):
    return requests.get(at + "/.well-known/openid-configuration", timeout=30).json()["token_endpoint"]


def refresh(at, refresh_token):
    return requests.post(token_endpoint(at), data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                         auth=("customer-portal", "portal-demo-secret"), timeout=30)


refresh_at, reuse_at = (others + [issuer, issuer])[:2]
old_refresh = token["refresh_token"]
refreshed = rp.refresh_token(token_endpoint(refresh_at), refresh_token=old_refresh)
assert refreshed["refresh_token"] != old_refresh
# The old refresh token again: reuse (RFC 9700 4.14.2), which revokes the whole family.
reused = refresh(reuse_at, old_refresh)
assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant", reused.text
newest = refresh(issuer, refreshed["refresh_token"])
assert newest.status_code == 400 and newest.json()["error"] == "invalid_grant", newest.text

# A service: client_credentials with a secret in the Basic header.
service = OAuth2Session("billing-service", "billing-demo-secret", scope="invoice-read")
cc = service.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
access = jwt.decode(cc["access_token"], jwks)
access.validate()
assert access["client_id"] == "billing-service" and access["scope"] == "invoice-read", access
print("interop ok")
