#!/usr/bin/env python3
"""Seal and open Bitnami SealedSecrets for the fleetgate example estate.

TEST-ONLY tooling for TEST-ONLY keys: it exists so that every SealedSecret in
examples/ can be regenerated and checked without a cluster or kubeseal.

Format (what the sealed-secrets controller expects for each encryptedData value):

    base64( len(rsa_ct) as 2 bytes big-endian || rsa_ct || aes_gcm_ct || tag )

  * rsa_ct  = RSA-OAEP(SHA-256, MGF1-SHA-256, label=<scope label>) of a random
              32-byte session key, encrypted with the certificate's public key
  * aes_gcm = AES-256-GCM with the session key, a 12-byte all-zero nonce and no
              associated data; the 16-byte tag is appended to the ciphertext
  * label   = "<namespace>/<name>" (strict), "<namespace>" (namespace-wide),
              "" (cluster-wide)

Commands:

  seal.py seal --cert CRT --namespace NS --name NAME [--scope strict]
               [--type TYPE] [--template-label K=V ...] [--comment TEXT]
               --literal KEY=VALUE [--literal ...] [-o FILE]
  seal.py open --key KEY FILE [FILE ...]
      Decrypt every SealedSecret in the files with the scope label computed from
      the top-level metadata (as the controller does) and print KEY=VALUE lines.
  seal.py verify --key KEY [--require TEXT] FILE [FILE ...]
      Like open, but prints only a summary and exits non-zero when a value does
      not decrypt or (with --require) a plaintext does not contain TEXT.

Needs the `cryptography` package; `open`/`verify` also need PyYAML.
"""

import argparse
import base64
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SESSION_KEY_BYTES = 32
NONCE = bytes(12)

SCOPE_ANNOTATIONS = {
    "namespace-wide": "sealedsecrets.bitnami.com/namespace-wide",
    "cluster-wide": "sealedsecrets.bitnami.com/cluster-wide",
}


def scope_label(scope, namespace, name):
    if scope == "strict":
        return f"{namespace}/{name}".encode()
    if scope == "namespace-wide":
        return namespace.encode()
    if scope == "cluster-wide":
        return b""
    raise ValueError(f"unknown scope {scope!r}")


def oaep(label):
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()),
        algorithm=hashes.SHA256(),
        label=label,
    )


def hybrid_encrypt(public_key, plaintext, label):
    session_key = os.urandom(SESSION_KEY_BYTES)
    rsa_ct = public_key.encrypt(session_key, oaep(label))
    aes_ct = AESGCM(session_key).encrypt(NONCE, plaintext, None)
    return struct.pack(">H", len(rsa_ct)) + rsa_ct + aes_ct


def hybrid_decrypt(private_key, blob, label):
    if len(blob) < 2:
        raise ValueError("too short for the length prefix")
    (rsa_len,) = struct.unpack(">H", blob[:2])
    if rsa_len != private_key.key_size // 8:
        raise ValueError(f"RSA block length {rsa_len} does not match a {private_key.key_size}-bit key")
    if len(blob) < 2 + rsa_len + 16:
        raise ValueError("too short for the RSA block and the GCM tag")
    rsa_ct = blob[2 : 2 + rsa_len]
    session_key = private_key.decrypt(rsa_ct, oaep(label))
    return AESGCM(session_key).decrypt(NONCE, blob[2 + rsa_len :], None)


def load_cert_public_key(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read()).public_key()


def load_private_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def quote(value):
    """Quote a scalar for YAML when it is not a plain, unambiguous string."""
    plain_ok = (
        value
        and value[0].isalnum()
        and all(c.isalnum() or c in "-_./" for c in value)
        and value.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "~")
        and not value.replace(".", "", 1).isdigit()
    )
    return value if plain_ok else "'" + value.replace("'", "''") + "'"


def render_manifest(namespace, name, scope, secret_type, labels, encrypted, comment):
    annotations = {}
    if scope in SCOPE_ANNOTATIONS:
        annotations[SCOPE_ANNOTATIONS[scope]] = "true"

    def metadata(indent):
        pad = " " * indent
        out = []
        if annotations:
            out.append(f"{pad}annotations:")
            for k in sorted(annotations):
                out.append(f"{pad}  {k}: {quote(annotations[k])}")
        out.append(f"{pad}creationTimestamp: null")
        return out

    lines = []
    for c in comment:
        lines.append(f"# {c}" if c else "#")
    lines += ["apiVersion: bitnami.com/v1alpha1", "kind: SealedSecret", "metadata:"]
    lines += metadata(2)
    lines += [f"  name: {quote(name)}", f"  namespace: {quote(namespace)}", "spec:", "  encryptedData:"]
    for key in sorted(encrypted):
        lines.append(f"    {quote(key)}: {encrypted[key]}")
    lines += ["  template:", "    metadata:"]
    lines += metadata(6)
    if labels:
        lines.append("      labels:")
        for k in sorted(labels):
            lines.append(f"        {quote(k)}: {quote(labels[k])}")
    lines += [f"      name: {quote(name)}", f"      namespace: {quote(namespace)}", f"    type: {quote(secret_type)}"]
    return "\n".join(lines) + "\n"


def split_pair(text, what):
    if "=" not in text:
        raise SystemExit(f"{what} {text!r}: expected KEY=VALUE")
    key, value = text.split("=", 1)
    if not key:
        raise SystemExit(f"{what} {text!r}: empty key")
    return key, value


def cmd_seal(args):
    public_key = load_cert_public_key(args.cert)
    label = scope_label(args.scope, args.namespace, args.name)
    encrypted = {}
    for item in args.literal:
        key, value = split_pair(item, "--literal")
        if key in encrypted:
            raise SystemExit(f"--literal {key}: given twice")
        value = value.encode().decode("unicode_escape").encode("latin-1") if args.escapes else value.encode()
        encrypted[key] = base64.b64encode(hybrid_encrypt(public_key, value, label)).decode()
    if not encrypted:
        raise SystemExit("nothing to seal: give at least one --literal")
    labels = dict(split_pair(x, "--template-label") for x in args.template_label)
    comment = args.comment or []
    text = render_manifest(args.namespace, args.name, args.scope, args.type, labels, encrypted, comment)
    if args.output and args.output != "-":
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def sealed_documents(path):
    import yaml  # only needed for open/verify

    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if isinstance(doc, dict) and doc.get("kind") == "SealedSecret":
                yield doc


def controller_label(doc):
    meta = doc.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    if str(annotations.get(SCOPE_ANNOTATIONS["cluster-wide"], "")).lower() == "true":
        scope = "cluster-wide"
    elif str(annotations.get(SCOPE_ANNOTATIONS["namespace-wide"], "")).lower() == "true":
        scope = "namespace-wide"
    else:
        scope = "strict"
    return scope, scope_label(scope, meta.get("namespace", ""), meta.get("name", ""))


def open_all(private_key, paths):
    for path in paths:
        for doc in sealed_documents(path):
            scope, label = controller_label(doc)
            meta = doc["metadata"]
            for key, value in sorted(((doc.get("spec") or {}).get("encryptedData") or {}).items()):
                ident = f"{path}: {meta.get('namespace')}/{meta.get('name')} [{scope}] {key}"
                try:
                    yield ident, hybrid_decrypt(private_key, base64.b64decode(value, validate=True), label), None
                except Exception as e:  # noqa: BLE001 - report every failure kind
                    yield ident, None, f"{type(e).__name__}: {e}"


def cmd_open(args):
    private_key = load_private_key(args.key)
    failed = 0
    for ident, plaintext, error in open_all(private_key, args.files):
        if error:
            failed += 1
            print(f"{ident}: FAILED ({error})")
        else:
            print(f"{ident}={plaintext.decode('utf-8', 'backslashreplace')}")
    return 1 if failed else 0


def cmd_verify(args):
    private_key = load_private_key(args.key)
    ok = failed = 0
    for ident, plaintext, error in open_all(private_key, args.files):
        if error is None and args.require and args.require.encode() not in plaintext:
            error = f"plaintext does not contain {args.require!r}"
        if error:
            failed += 1
            print(f"FAIL {ident}: {error}")
        else:
            ok += 1
    print(f"{ok} values decrypted, {failed} failed")
    return 1 if failed or not ok else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("seal", help="seal literals into a SealedSecret manifest")
    p.add_argument("--cert", required=True)
    p.add_argument("--namespace", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--scope", choices=["strict", "namespace-wide", "cluster-wide"], default="strict")
    p.add_argument("--type", default="Opaque")
    p.add_argument("--template-label", action="append", default=[], metavar="K=V")
    p.add_argument("--literal", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--escapes", action="store_true", help="interpret backslash escapes (\\n) in literal values")
    p.add_argument("--comment", action="append", metavar="TEXT", help="header comment line (repeatable)")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_seal)

    for name, func, helptext in (("open", cmd_open, "decrypt and print"), ("verify", cmd_verify, "decrypt and summarise")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--key", required=True)
        if name == "verify":
            p.add_argument("--require", metavar="TEXT")
        p.add_argument("files", nargs="+")
        p.set_defaults(func=func)

    args = parser.parse_args()
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
