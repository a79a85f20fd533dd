"""TLS probe (stdlib only): does HOST:PORT present a certificate that the
province's CA (gbtt/pki.py, /etc/gbtt/pki/ca.crt on every deployed host)
verifies for that name or address, and how many days has it left?  As a
script it prints one JSON object:

    python3 tls.py HOST PORT [CA_FILE]
    -> {"outcome": "verified"|"unverified"|"refused"|"timeout"|"error", "error": "...",
        "subject": "mcu-sip-01", "not_after": "2027-09-28T00:00:00Z", "days_left": 302, "names": [...]}

"unverified": a TLS server answered but its certificate fails verification (the reason is in
"error": an unknown issuer, another name, expired ...); its days left are read all the same.
"""
import json
import os
import socket
import ssl
import sys
import tempfile
import time

CA_FILE = "/etc/gbtt/pki/ca.crt"
TIMEOUT = 5.0


def _facts(cert: dict) -> dict:
    not_after = ssl.cert_time_to_seconds(cert["notAfter"])
    subject = dict(x[0] for x in cert.get("subject", ()))
    return {"subject": subject.get("commonName", ""),
            "not_after": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(not_after)),
            "days_left": int((not_after - time.time()) // 86400),
            "names": [v for _, v in cert.get("subjectAltName", ())]}


def _unverified_facts(host: str, port: int) -> dict:
    """The certificate of a server that failed verification, read without verifying."""
    ctx = ssl._create_unverified_context()
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock, ctx.wrap_socket(sock) as tls:
        der = tls.getpeercert(binary_form=True)
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(ssl.DER_cert_to_PEM_cert(der))
        f.flush()
        return _facts(ssl._ssl._test_decode_cert(f.name))


def probe(host: str, port: int, cafile: str = CA_FILE) -> dict:
    if not os.path.exists(cafile):
        return {"outcome": "error", "error": f"no CA certificate at {cafile} (deployed by gbtt's common component)"}
    ctx = ssl.create_default_context(cafile=cafile)  # the chain to the CA, and the name: IP address or DNS name
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock, \
                ctx.wrap_socket(sock, server_hostname=host) as tls:
            return {"outcome": "verified", "error": "", **_facts(tls.getpeercert())}
    except ssl.SSLCertVerificationError as exc:
        return {"outcome": "unverified", "error": exc.verify_message or str(exc), **_unverified_facts(host, port)}
    except ConnectionRefusedError:
        return {"outcome": "refused", "error": "connection refused"}
    except (socket.timeout, TimeoutError):
        return {"outcome": "timeout", "error": f"no answer within {TIMEOUT:.0f} s"}
    except (OSError, ssl.SSLError) as exc:
        return {"outcome": "error", "error": str(exc)}


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4])))
