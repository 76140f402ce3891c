#!/usr/bin/env python3
"""A FHIR record system for the push tests (issue 19 part 2): takes transaction Bundles like a
real server, so a lost answer and a retry can show up as duplicates.

Usage: fhir_receiver.py --port P --state FILE [--plan MODES] [--reject UID]... [--slow S]

- POST <any path>: a transaction Bundle. Every entry is a POST; an entry's `request.ifNoneExist`
  (`identifier=SYSTEM|VALUE`) is a conditional create: when a resource of that type already has
  that identifier, nothing is created and the entry resolves to it. urn:uuid references are
  rewritten to the created (or matched) resources; an unresolved one fails the transaction.
  Every Observation is checked with tests/fhir/phr_checks.py's checks (400 + OperationOutcome
  naming them). All or nothing: the transaction's journal line is written (fsync) before the answer.
- The stored state (FILE): a journal, one JSON line per committed transaction: `created` (the
  resources, in creation order, references rewritten), `attempts` (per reading uid: POSTed in it,
  created or matched; the one-instance-per-row check), `checked` (Observations checked).
- Faults: --plan is a comma list taken one per POST (then `ok`): `ok`; `500` (before storing);
  `500after` (stored, then 500); `429` (Retry-After: 0, not stored); `drop` (stored, then the
  connection closes unanswered); `slow` (stored, answered after --slow seconds); `exit` (stored,
  then the process dies unanswered: the test restarts it). --reject UID: 422 for a Bundle holding
  that reading's Observation (an OperationOutcome naming it), nothing stored. --down-for UID: 503
  for a Bundle holding that reading (after the --reject check), nothing stored: it stays pending.
- --tls-cert/--tls-key: https; --tls-client-ca: a client certificate is required (mTLS).
- --oauth-public-key PEM --client-id ID --kid KID: OAuth2 as in SMART Backend Services. POST
  /token takes grant_type=client_credentials with a JWT client_assertion (jwt-bearer), verified
  with PyJWT against the public key (RS384 for RSA, ES384 for EC): kid, iss = sub = the client
  id, aud = this token URL, exp given and at most 300 s ahead, jti never seen before; else 401
  invalid_client (400 invalid_request / unsupported_grant_type for a bad form). A token lives
  --token-lifetime seconds (default 300); every FHIR POST needs a live one (else 401, nothing
  stored, the plan not advanced). Tokens are forgotten on restart. Counts in FILE.auth (JSON):
  granted, refused, unauthorized, reasons (the refusals' texts), jtis.
"""
import argparse
import json
import os
import secrets
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fhir"))
import phr_checks  # noqa: E402

READING_UID = "urn:kotona:reading-uid"


def outcome(code, text):
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


def ctx_of(obs):
    """The context phr_checks' checks take, from the resource itself."""
    profile = (obs.get("meta", {}).get("profile") or [""])[0]
    codes = phr_checks.loinc_codes(obs.get("code"))
    mdc = [c.get("code") for c in phr_checks.codings(obs.get("code"), phr_checks.MDC)]
    kind = "inr" if "34714-6" in codes else "implant" if "720908" in mdc else "other"
    return {"kind": kind, "profile": profile, "phr": profile in phr_checks.PROFILES,
            "language": obs.get("language")}


def check_observation(obs):
    ctx = ctx_of(obs)
    errs = []
    for name, applies, check, _ in phr_checks.CHECKS:
        if applies(ctx):
            errs += [f"{name}: {m}" for m in check(obs, ctx)]
    return errs


def identifiers(resource):
    return {(i.get("system"), i.get("value")) for i in resource.get("identifier", [])}


def rewrite_refs(node, resolved):
    """Every {"reference": "urn:uuid:..."} in `node` -> Type/id; returns the unresolved ones."""
    missing = []
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str) and ref.startswith("urn:uuid:"):
            if ref in resolved:
                node["reference"] = resolved[ref]
            else:
                missing.append(ref)
        for v in node.values():
            missing += rewrite_refs(v, resolved)
    elif isinstance(node, list):
        for v in node:
            missing += rewrite_refs(v, resolved)
    return missing


class Receiver:
    def __init__(self, args):
        self.args = args
        self.plan = [m for m in args.plan.split(",") if m] if args.plan else []
        self.checked = 0  # Observations checked with phr_checks, not yet journalled
        self.by_identifier = {}  # (type, system, value) -> id
        self.next_id = 1
        if os.path.exists(args.state):  # a restart: replay the journal
            with open(args.state, encoding="utf-8") as f:
                for line in f:
                    if line.endswith("\n"):  # a torn last line was never answered: ignore it
                        self.index(json.loads(line)["created"])
        # A restart continues the plan where the last process left it.
        self.posts_file = args.state + ".posts"
        self.posts = int(open(self.posts_file).read()) if os.path.exists(self.posts_file) else 0

    def index(self, created):
        for res in created:
            self.next_id = max(self.next_id, int(res["id"]) + 1)
            for system, value in identifiers(res):
                self.by_identifier[(res["resourceType"], system, value)] = res["id"]

    def next_mode(self):
        mode = self.plan[self.posts] if self.posts < len(self.plan) else "ok"
        self.posts += 1
        with open(self.posts_file, "w") as f:
            f.write(str(self.posts))
            f.flush()
            os.fsync(f.fileno())
        return mode

    def commit(self, record):
        """Appends one transaction to the journal (the state file), durably, before answering."""
        with open(self.args.state, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.index(record["created"])

    def find(self, rtype, condition, staged):
        params = urllib.parse.parse_qs(condition)
        token = params.get("identifier", [""])[0]
        system, _, value = token.partition("|")
        key = (rtype, system, value)
        return staged.get(key, self.by_identifier.get(key))

    def transaction(self, bundle):
        """(status, body, stored?) for one transaction Bundle; state changed only on success."""
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            return 400, outcome("invalid", "not a transaction Bundle"), False
        entries = bundle.get("entry", [])
        for e in entries:
            res = e.get("resource", {})
            if res.get("resourceType") == "Observation":
                uid = next((v for s, v in identifiers(res) if s == READING_UID), None)
                if uid in self.args.reject:
                    return 422, outcome("business-rule", f"reading {uid} refused by test"), False
                if uid in self.args.down_for:
                    return 503, outcome("transient", f"test: down for reading {uid}"), False
                errs = check_observation(res)
                self.checked += 1
                if errs:
                    return 400, outcome("invalid", f"Observation {uid}: " + "; ".join(errs)), False
        staged, resolved, created, responses, attempts = {}, {}, [], [], {}
        next_id = self.next_id
        for e in entries:
            req = e.get("request", {})
            res = json.loads(json.dumps(e.get("resource", {})))
            rtype = res.get("resourceType")
            if req.get("method") != "POST" or req.get("url") != rtype:
                return 400, outcome("invalid", f"entry {e.get('fullUrl')}: not POST {rtype}"), False
            uid = next((v for s, v in identifiers(res) if s == READING_UID), None)
            if uid is not None:
                attempts[uid] = attempts.get(uid, 0) + 1
            existing = self.find(rtype, req["ifNoneExist"], staged) if "ifNoneExist" in req else None
            if existing is not None:
                resolved[e.get("fullUrl")] = f"{rtype}/{existing}"
                responses.append({"response": {"status": "200 OK", "location": f"{rtype}/{existing}"}})
                continue
            res["id"] = str(next_id)
            next_id += 1
            for system, value in identifiers(res):
                staged[(rtype, system, value)] = res["id"]
            resolved[e.get("fullUrl")] = f"{rtype}/{res['id']}"
            created.append(res)
            responses.append({"response": {"status": "201 Created", "location": f"{rtype}/{res['id']}"}})
        for res in created:
            missing = rewrite_refs(res, resolved)
            if missing:
                return 400, outcome("invalid", f"unresolved references {missing}"), False
        self.commit({"created": created, "attempts": attempts, "checked": self.checked})
        self.checked = 0
        return 200, {"resourceType": "Bundle", "type": "transaction-response", "entry": responses}, True


class Authority:
    """The token endpoint and the Bearer check (SMART Backend Services), state in FILE.auth."""

    def __init__(self, args, token_url):
        import jwt  # python3-jwt (PyJWT), with python3-cryptography for RS384 / ES384
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        self.jwt = jwt
        self.args = args
        self.token_url = token_url
        with open(args.oauth_public_key, "rb") as f:
            self.key = load_pem_public_key(f.read())
        self.alg = "ES384" if isinstance(self.key, ec.EllipticCurvePublicKey) else "RS384"
        self.tokens = {}  # token -> expiry (time.time())
        self.path = args.state + ".auth"
        self.state = {"granted": 0, "refused": 0, "unauthorized": 0, "reasons": [], "jtis": []}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                self.state = json.load(f)

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def refuse(self, status, error, text):
        self.state["refused"] += 1
        self.state["reasons"].append(text)
        self.save()
        return status, {"error": error, "error_description": text}

    def grant(self, form):
        """(status, body) for one token request (the form, parsed)."""
        one = {k: v[0] for k, v in form.items()}
        if one.get("grant_type") != "client_credentials":
            return self.refuse(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if one.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return self.refuse(400, "invalid_request", "client_assertion_type must be jwt-bearer")
        if not one.get("scope"):
            return self.refuse(400, "invalid_scope", "no scope")
        assertion = one.get("client_assertion", "")
        try:
            header = self.jwt.get_unverified_header(assertion)
            if header.get("kid") != self.args.kid:
                return self.refuse(401, "invalid_client", f"unknown kid {header.get('kid')}")
            if header.get("alg") != self.alg:
                return self.refuse(401, "invalid_client", f"alg {header.get('alg')}, key wants {self.alg}")
            claims = self.jwt.decode(assertion, self.key, algorithms=[self.alg],
                                     audience=self.token_url, issuer=self.args.client_id,
                                     options={"require": ["iss", "sub", "aud", "exp", "jti"]})
        except self.jwt.InvalidTokenError as e:
            return self.refuse(401, "invalid_client", f"assertion: {type(e).__name__}: {e}")
        if claims["sub"] != self.args.client_id:
            return self.refuse(401, "invalid_client", "sub is not the client id")
        if claims["exp"] > time.time() + 300 + 5:
            return self.refuse(401, "invalid_client", "exp more than 5 minutes ahead")
        if claims["jti"] in self.state["jtis"]:
            return self.refuse(401, "invalid_client", "jti used before (replay)")
        self.state["jtis"].append(claims["jti"])
        self.state["granted"] += 1
        self.save()
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + self.args.token_lifetime
        return 200, {"access_token": token, "token_type": "bearer",
                     "expires_in": int(self.args.token_lifetime), "scope": one["scope"]}

    def authorized(self, header):
        token = header[7:] if header and header.startswith("Bearer ") else None
        if token is not None and self.tokens.get(token, 0) > time.time():
            return True
        self.state["unauthorized"] += 1
        self.save()
        return False


def make_handler(receiver, authority=None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            sys.stderr.write("receiver: " + (fmt % a) + "\n")

        def answer(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if authority is not None and self.path == "/token":
                form = urllib.parse.parse_qs(body.decode("ascii", "replace"))
                status, reply = authority.grant(form)
                sys.stderr.write(f"receiver: token request -> {status} {reply.get('error', '')}\n")
                headers = [("Cache-Control", "no-store")]
                return self.answer(status, reply, headers)
            if authority is not None and not authority.authorized(self.headers.get("Authorization")):
                sys.stderr.write("receiver: POST without a live Bearer token -> 401\n")
                return self.answer(401, outcome("login", "a live Bearer token is required"),
                                   [("WWW-Authenticate", 'Bearer error="invalid_token"')])
            mode = receiver.next_mode()
            sys.stderr.write(f"receiver: POST #{receiver.posts} mode {mode}\n")
            if mode == "500":
                return self.answer(500, outcome("exception", "test: failing before storing"))
            if mode == "429":
                return self.answer(429, outcome("throttled", "test: slow down"), [("Retry-After", "0")])
            try:
                bundle = json.loads(body)
            except ValueError:
                return self.answer(400, outcome("structure", "not JSON"))
            status, reply, stored = receiver.transaction(bundle)
            if not stored:
                return self.answer(status, reply)
            if mode == "500after":
                return self.answer(500, outcome("exception", "test: failing after storing"))
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if mode == "exit":
                sys.stderr.write("receiver: exiting after storing, unanswered\n")
                sys.stderr.flush()
                os._exit(3)
            if mode == "slow":
                time.sleep(receiver.args.slow)
            self.answer(status, reply)

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--plan", default="")
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--down-for", action="append", default=[])
    p.add_argument("--slow", type=float, default=2.0)
    p.add_argument("--tls-cert", help="https: this certificate (chain) and --tls-key")
    p.add_argument("--tls-key")
    p.add_argument("--tls-client-ca", help="mTLS: a client certificate from this CA is required")
    p.add_argument("--oauth-public-key", help="OAuth2: the client's public key (PEM)")
    p.add_argument("--client-id", default="kotona")
    p.add_argument("--kid", default="kotona-1")
    p.add_argument("--token-lifetime", type=float, default=300)
    args = p.parse_args()
    receiver = Receiver(args)
    scheme = "https" if args.tls_cert else "http"
    authority = None
    if args.oauth_public_key:
        authority = Authority(args, f"{scheme}://127.0.0.1:{args.port}/token")
    server = HTTPServer(("127.0.0.1", args.port), make_handler(receiver, authority))
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            tls.verify_mode = ssl.CERT_REQUIRED
            tls.load_verify_locations(args.tls_client_ca)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    sys.stderr.write(f"receiver: listening on {args.port}\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
