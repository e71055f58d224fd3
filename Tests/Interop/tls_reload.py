"""A keep-alive HTTPS connection (Python's http.client, the standard library's client) survives a
certificate reload: `claimdeck serve --tls-cert/--tls-key` gets a certificate from another CA and
SIGHUP; new connections get the new certificate, the open one keeps answering.

usage: tls_reload.py PORT PID FIRST_CA SECOND_CA NEW_CERT NEW_KEY CERT KEY
"""
import http.client
import os
import shutil
import signal
import ssl
import sys
import time

port, pid = int(sys.argv[1]), int(sys.argv[2])
first_ca, second_ca, new_cert, new_key, cert, key = sys.argv[3:9]


def connection(ca):
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=ssl.create_default_context(cafile=ca))


def get(conn, path):
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


old = connection(first_ca)
assert get(old, "/healthz") == 200
old.auto_open = 0  # a reconnect would be an error, not a silent new handshake

shutil.copyfile(new_cert, cert)
shutil.copyfile(new_key, key)
os.kill(pid, signal.SIGHUP)

deadline = time.monotonic() + 20
while True:
    try:
        fresh = connection(second_ca)
        assert get(fresh, "/healthz") == 200
        fresh.close()
        break
    except ssl.SSLError:
        if time.monotonic() > deadline:
            sys.exit("the renewed certificate was not served within 20 s")
        time.sleep(0.1)

try:
    connection(first_ca).request("GET", "/healthz")
    sys.exit("a new connection still got the first CA's certificate")
except ssl.SSLCertVerificationError:
    pass

assert get(old, "/sms/.well-known/openid-configuration") == 200, "the open connection was dropped"
print("tls reload ok")
