#!/usr/bin/env python3
# An independent verifier of the TEST ONLY vectors in tests/data, written from
# docs/formats.md alone (it shares no code with common/): if the C implementation and the
# document drift apart, this fails. Exit 0 pass, 77 skip (no python3-cryptography), 1 fail.
import base64
import hashlib
import os
import re
import sys
import unicodedata

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:
    print("SKIP: needs python3-cryptography", file=sys.stderr)
    sys.exit(77)

DATA = os.path.join(os.environ.get("top_srcdir", "."), "tests", "data")


class Refused(Exception):
    pass


def armour(text, label):
    if b"\0" in text:
        raise Refused("NUL")
    text = text.decode("utf-8")
    if "\r\n" in text:
        if text.replace("\r\n", "").count("\n") or text.replace("\r\n", "").count("\r"):
            raise Refused("mixed line endings")
        text = text.replace("\r\n", "\n")
    if "\r" in text:
        raise Refused("bare CR")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if lines[0] != f"-----BEGIN FUTARI {label}-----" or lines[-1] != f"-----END FUTARI {label}-----":
        raise Refused("envelope")
    body = lines[1:-1]
    for line in body:
        if len(line.encode()) > 4096 or line.startswith("-----"):
            raise Refused("body line")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in line):
            raise Refused("control character")
    return "".join(line + "\n" for line in body)


def needs_escape(ch):
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cn", "Cs", "Co")


def escape(value: bytes) -> str:
    out = []
    i = 0
    while i < len(value):
        b = value[i]
        if b < 0x80:
            edge = b == 0x20 and (i == 0 or i == len(value) - 1)
            out.append(f"%{b:02X}" if b < 0x20 or b == 0x7F or b == 0x25 or edge else chr(b))
            i += 1
            continue
        for n in (2, 3, 4):
            try:
                ch = value[i:i + n].decode("utf-8")
                if len(ch) == 1:
                    break
            except UnicodeDecodeError:
                ch = None
        else:
            ch = None
        if ch is None:
            out.append(f"%{b:02X}")
            i += 1
            continue
        raw = ch.encode("utf-8")
        out.append("".join(f"%{x:02X}" for x in raw) if needs_escape(ch) else ch)
        i += len(raw)
    return "".join(out)


def unescape(raw: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == "%":
            h = raw[i + 1:i + 3]
            if not re.fullmatch(r"[0-9A-F]{2}", h) or h == "00":
                raise Refused("bad escape")
            out.append(int(h, 16))
            i += 3
        else:
            out += raw[i].encode("utf-8")
            i += 1
    if escape(bytes(out)) != raw:
        raise Refused("non-canonical escape")
    return bytes(out)


def b64(raw, n):
    data = base64.b64decode(raw, validate=True)
    if len(data) != n or base64.b64encode(data).decode() != raw:
        raise Refused("base64")
    return data


def key_id(pub):
    return hashlib.sha256(b"futari key id v1\0" + pub).digest()[:8].hex()


def fields(body, order):
    """Splits a body into (key, value) in the given order; returns dict and signed bytes."""
    lines = body.split("\n")[:-1]
    got = {}
    pos = 0
    for key in order:
        repeat = key.endswith("*")
        optional = key.endswith("?")
        key = key.rstrip("*?")
        while pos < len(lines):
            m = re.fullmatch(r"([a-z][a-z0-9.-]{0,31}):(?: (.+))?", lines[pos])
            if not m:
                raise Refused(f"bad line {lines[pos]!r}")
            if m.group(1) != key:
                break
            got.setdefault(key, []).append(m.group(2) or "")
            pos += 1
            if not repeat:
                break
        if not repeat and not optional and key not in got:
            raise Refused(f"missing {key}")
    if pos != len(lines):
        raise Refused("extra lines")
    signed = "".join(line + "\n" for line in lines[:-1]).encode()
    return {k: (v if len(v) > 1 or k == "revoked" else v[0]) for k, v in got.items()}, signed


def verify(domain, signed, sig_field, pub):
    kid, sig = sig_field.split(" ")
    if kid != key_id(pub):
        raise Refused("signed by another key")
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(b64(sig, 64), domain + b"\0" + signed)
    except InvalidSignature:
        raise Refused("bad signature")


CERT = ["version", "serial", "staff-id", "name", "logins", "roles", "classes", "key",
        "not-before", "not-after", "signature"]


def cert_body(body, root):
    f, signed = fields(body, CERT)
    unescape(f["name"])
    verify(b"futari certificate v1", signed, f["signature"], root)
    return f


def read(name):
    with open(os.path.join(DATA, name), "rb") as fh:
        return fh.read()


def pubkey(name):
    data = base64.b64decode("".join(armour(read(name), "PUBLIC KEY").split()))
    assert data[:8] == b"FUTPK\0\0\1" and len(data) == 40
    return data[8:]


def request(text):
    body = armour(text, "REQUEST")
    channel = re.search(r"^channel: (.*)$", body, re.M).group(1)
    dest = (["usb-asset?", "usb-vendor", "usb-product", "usb-serial", "usb-fs-uuid", "usb-label"]
            if channel == "usb" else ["upload-host", "upload-program"])
    order = (["version", "host", "host-key", "requester", "uid", "channel", "file", "size",
              "sha256", "class", "class-evidence"] + dest +
             ["reason", "created", "expires", "nonce", "signature"])
    f, signed = fields(body, order)
    host = b64(f["host-key"], 32)
    verify(b"futari request v1", signed, f["signature"], host)
    f["file"] = unescape(f["file"])
    f["id"] = hashlib.sha256(b"futari request id v1\0" + body.encode()).hexdigest()
    return f


def approval(text, root):
    body = armour(text, "APPROVAL")
    own = [line for line in body.split("\n")[:-1] if not line.startswith("cert.")]
    cert = "".join(line[5:] + "\n" for line in body.split("\n")[:-1] if line.startswith("cert."))
    c = cert_body(cert, root)
    lines = body.split("\n")[:-1]
    if lines[-1] != own[-1] or not all(l.startswith("cert.") for l in lines[len(own) - 1:-1]):
        raise Refused("cert lines out of place")
    f, _ = fields("".join(l + "\n" for l in own),
                  ["version", "request", "decision", "not-before", "not-after", "comment",
                   "content-checked?", "signature"])
    if f.get("content-checked", "yes") not in ("yes", "no"):
        raise Refused("content-checked must be yes or no")
    signed = "".join(l + "\n" for l in lines[:-1]).encode()
    verify(b"futari approval v1", signed, f["signature"], b64(c["key"], 32))
    f["cert"] = c
    return f


def same_person(a, b):
    """formats.md §8 rule 19: one key, one staff id (ASCII case ignored) or one login
    (ASCII case ignored) in common makes one person."""
    def low(s):
        return s.encode().lower()
    if a["key"] == b["key"] or low(a["staff-id"]) == low(b["staff-id"]):
        return True
    return bool({low(x) for x in a["logins"].split(" ")} & {low(x) for x in b["logins"].split(" ")})


def main():
    root = pubkey("TEST-ONLY-org-root.pub")
    keys = open(os.path.join(DATA, "TEST-ONLY-keys.txt")).read()
    crl_body = armour(read("TEST-ONLY.futari-revocation"), "REVOCATION LIST")
    crl, signed = fields(crl_body, ["version", "sequence", "issued", "revoked*", "signature"])
    verify(b"futari revocation list v1", signed, crl["signature"], root)
    assert crl["revoked"] == ["7e7e7e7e7e7e7e7e", "7f7f7f7f7f7f7f7f"], crl["revoked"]
    for name in ("TEST-ONLY-alice.futari-certificate", "TEST-ONLY-carol.futari-certificate"):
        cert_body(armour(read(name), "CERTIFICATE"), root)

    usb = request(read("TEST-ONLY-usb-class-ii.futari-request"))
    up = request(read("TEST-ONLY-upload-class-i.futari-request"))
    assert up["file"] == "住民名簿 100% ".encode() + b"\xff.csv ", up["file"]
    assert usb["id"] in keys and up["id"] in keys
    a = approval(read("TEST-ONLY-usb-class-ii.alice.futari-approval"), root)
    assert a["request"] == usb["id"] and a["decision"] == "approve"
    assert a["content-checked"] == "yes"
    assert a["cert"]["serial"] not in crl["revoked"]
    assert "bob" not in a["cert"]["logins"].split(" ")
    c = approval(read("TEST-ONLY-upload-class-i.carol.futari-approval"), root)
    d = approval(read("TEST-ONLY-upload-class-i.dave-reject.futari-approval"), root)
    assert c["request"] == up["id"] and d["decision"] == "reject"
    assert "content-checked" not in c and "content-checked" not in d

    # rule 19: one person is one approver. Carol re-issued (another staff id, another key)
    # keeps one of Carol's logins, so the two approvals are one approver; Carol and Dave
    # are two people.
    for name in ("TEST-ONLY-carol-reissued.futari-certificate",):
        cert_body(armour(read(name), "CERTIFICATE"), root)
    c2 = approval(read("TEST-ONLY-upload-class-i.carol-reissued.futari-approval"), root)
    assert c2["request"] == up["id"] and c2["decision"] == "approve"
    assert c2["cert"]["staff-id"] != c["cert"]["staff-id"]
    assert c2["cert"]["key"] != c["cert"]["key"]
    assert same_person(c["cert"], c2["cert"]), "rule 19 misses the shared login"
    assert not same_person(c["cert"], d["cert"]), "rule 19 joins two people"

    # and the verifier is not a rubber stamp: one changed byte anywhere is refused
    text = read("TEST-ONLY-usb-class-ii.alice.futari-approval")
    start = text.index(b"\n") + 1
    end = text.rindex(b"-----END")
    for i in range(start, end, 7):
        if text[i:i + 1] in (b"\n", b" "):
            continue
        bad = text[:i] + (b"x" if text[i:i + 1] != b"x" else b"y") + text[i + 1:]
        try:
            approval(bad, root)
        except (Refused, ValueError, UnicodeDecodeError, KeyError, AttributeError):
            continue
        print(f"FAIL: approval with byte {i} changed still verifies", file=sys.stderr)
        return 1
    print("all TEST ONLY vectors verify independently")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Refused as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
