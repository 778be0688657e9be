#!/usr/bin/env python3
"""Per-request CPU and memory bounds of `civic serve` (issue 16, "Measures").

The bound: no request makes the server use more than 300 MB (peak RSS) or more
than 2 s of CPU, unless it is a documented long job.

Starts `civic serve --demo` in a scratch data directory on a free loopback
port (once to train the demo models, then again, so that the server measured
holds no training memory but keeps inputs for 30 days as the demo does), and
sends, one at a time, the worst input the server accepts to every operation of
its OpenAPI document and to the heavy web pages: the largest bodies under the
configured limits (longest text, most fields, the biggest accepted upload as
text, CSV, DOCX and e-mail) and the known heavy shapes (dense redaction finds,
JSON nested to the limit, long lines, many spans, a long keep list). Each
request is sent with the key of a role allowed to make it, or from a signed-in
web session with the form's CSRF token.

For each request it measures the server process's CPU time (utime + stime from
/proc/PID/stat, before the request and after the process has gone quiet, so
work that goes on after the answer counts) and its peak RSS (VmHWM from
/proc/PID/status, reset by writing 5 to /proc/PID/clear_refs before the
request). It prints a Markdown table and exits 1 if any request is over a
bound (naming each), if an OpenAPI operation has no case, or if a case did not
get the answer it expects. Python 3 standard library only. See
docs/benchmarks.md, "Per-request bounds".

Usage: scripts/bench/request_bounds.py [--binary target/release/civic]
       [--cpu-limit 2.0] [--rss-limit-mb 300] [--only SUBSTRING]... [--keep]

(`--only "redact (" --only "(web upload)"` runs the document uploads alone.)
"""

import argparse
import base64
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile

LOOPBACK = "127.0.0.1"
# The server's defaults (docs/configuration.md, docs/api.md, the constants
# named beside each): the script does not change them.
BODY_LIMIT = 10 * 1024 * 1024  # body_limit
JSON_BODY_LIMIT = 2 * 1024 * 1024  # json_body_limit: decisions, reviews, triage, risk, keys
JSON_ANSWER_LIMIT = 1 * 1024 * 1024  # civic-server api::redact::JSON_ANSWER_LIMIT
TRIAGE_MAX_CHARS = 100_000  # civic-app triage::MAX_TEXT_CHARS
REDACT_MAX_CHARS = 1_000_000  # civic-app redact::review::MAX_TEXT_CHARS
REDACT_MAX_SPANS = 100_000  # civic-app redact::review::MAX_SPANS
KEEP_MAX_VALUES, KEEP_MAX_CHARS = 1_000, 200  # civic-app redact::MAX_KEEP_*
RISK_MAX_FIELDS = 500  # civic-app risk::MAX_RECORD_FIELDS
JSON_MAX_DEPTH = 128  # serde_json's recursion limit
DOCX_MAX_PART = 8 * 1024 * 1024  # civic-redact docx::MAX_PART_BYTES
DOCX_MAX_DEPTH = 512  # civic-redact docx::xml::MAX_XML_DEPTH
DOCX_MAX_TEXT_XML = BODY_LIMIT  # civic-app redact::upload_text_xml(body_limit)
MAX_LINE_BYTES = 8 << 20  # civic-app redact::MAX_LINE_BYTES
MARGIN = 4096  # kept under each limit for headers of multipart parts
CLK_TCK = os.sysconf("SC_CLK_TCK")

NAMES = ["John Smith", "Priya Patel", "Kwame Mensah", "Sarah Thompson", "Ahmed Khan",
         "Mary O'Neill", "David Jones", "Fatima Begum", "Tomasz Nowak", "Grace Adeyemi"]
STREETS = ["Elm Road", "Station Street", "Mill Lane", "High Street", "Church Walk"]
POSTCODES = ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "LS1 4AP", "EH1 1YZ"]
NHS = ["943 476 5919", "401 023 2137", "485 777 3456"]
NINO = ["QQ 12 34 56 C", "AB 12 34 56 D", "JG 10 37 91 B"]


def log(msg):
    print(f"[bounds {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- inputs


def fill(nbytes, piece, start=""):
    """`start` then `piece(0)`, `piece(1)`, … for as long as the whole stays within `nbytes` characters."""
    out, size, i = [start], len(start), 0
    while True:
        p = piece(i)
        if size + len(p) > nbytes:
            return "".join(out)
        out.append(p)
        size += len(p)
        i += 1


def finds_line(r, i):
    """One line of a case note with six finds (name, phone, e-mail, address, postcode, NHS number)."""
    return (f"Case {i}: Mr {r.choice(NAMES)} of {r.randrange(1, 200)} {r.choice(STREETS)}, "
            f"{r.choice(POSTCODES)}, phone 020 7946 {r.randrange(10000):04d}, e-mail "
            f"jo{i}@example.com, NHS {r.choice(NHS)}, NI {r.choice(NINO)}.\n")


def dense_text(nbytes, seed=7, line_bytes=None):
    """ASCII text of at most `nbytes` bytes dense with finds; with `line_bytes`,
    newlines only every that many bytes (long lines)."""
    r = random.Random(seed)
    end = " " if line_bytes else "\n"
    text = fill(nbytes, lambda i: finds_line(r, i)[:-1] + end)
    if line_bytes:
        text = "\n".join(text[k:k + line_bytes] for k in range(0, len(text), line_bytes))
        text = text[:nbytes]
    return text


def dense_chars(nchars, seed=7):
    """Exactly `nchars` characters (ASCII) dense with finds."""
    return dense_text(nchars + 1000, seed)[:nchars]


def wide_chars_text(nchars):
    """Text of 4-byte characters (emoji) with finds between them: most bytes per character."""
    r = random.Random(11)
    parts, n, i = [], 0, 0
    while n < nchars:
        chunk = "\U0001F600" * 40 + " " + finds_line(r, i)
        parts.append(chunk)
        n += len(chunk)
        i += 1
    return "".join(parts)[:nchars]


def nested_array(depth):
    return "[" * depth + "1" + "]" * depth


def json_body(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def filled_object(prefix_fn, budget):
    """A JSON object text of many small fields, as close to `budget` bytes as it gets."""
    parts, size, i = [], 2, 0
    while True:
        item = f'"{prefix_fn(i)}":{i % 1000}'
        if size + len(item) + 1 > budget:
            break
        parts.append(item)
        size += len(item) + 1
        i += 1
    return "{" + ",".join(parts) + "}", i


def decision_body(input_json, reference="bounds", output='{"eligible":true}', explanation='{"rule":"bounds"}'):
    return (f'{{"service":"bounds","model":{{"name":"bounds-rules","version":"1"}},'
            f'"input":{input_json},"output":{output},"explanation":{explanation},'
            f'"confidence":0.9,"needs_review":true,"reference":"{reference}"}}').encode()


def csv_text(nbytes, columns=8, seed=5):
    r = random.Random(seed)
    header = ",".join(["id", "name", "address", "postcode", "phone", "email", "nhs", "note"][:columns]
                      + [f"c{k}" for k in range(max(0, columns - 8))]) + "\n"

    def row(i):
        base = [str(i), r.choice(NAMES), f"{r.randrange(1, 200)} {r.choice(STREETS)}", r.choice(POSTCODES),
                f"020 7946 {r.randrange(10000):04d}", f"jo{i}@example.com", r.choice(NHS),
                f"\"spoke to {r.choice(NAMES)} about the repairs\""]
        return ",".join((base + [r.choice(NAMES) for _ in range(max(0, columns - 8))])[:columns]) + "\n"

    return fill(nbytes, row, header)


def eml_text(nbytes):
    head = ("From: Sarah Thompson <sarah.thompson@example.com>\r\nTo: Housing <housing@example.gov.uk>\r\n"
            "Subject: Repairs for Mr John Smith, 4 Elm Road SW1A 1AA\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n"
            "Message-ID: <bounds@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head + dense_text(nbytes - len(head)).replace("\n", "\r\n")[: nbytes - len(head)]


def eml_attachments(nbytes):
    """A multipart message: a short body and base64 attachments filling the rest."""
    b = "bounds-boundary"
    head = ("From: Sarah Thompson <sarah.thompson@example.com>\r\nTo: Housing <housing@example.gov.uk>\r\n"
            "Subject: Documents\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n"
            f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached, Mr John Smith.\r\n")
    parts, size, k = [head], len(head), 0
    raw = dense_text(700_000).encode()
    enc = base64.encodebytes(raw).decode().replace("\n", "\r\n")
    while True:
        part = (f"--{b}\r\nContent-Type: text/plain; name=\"a{k}.txt\"\r\nContent-Disposition: attachment; "
                f"filename=\"a{k}.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{enc}")
        if size + len(part) + 40 > nbytes:
            break
        parts.append(part)
        size += len(part)
        k += 1
    parts.append(f"--{b}--\r\n")
    return "".join(parts)


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def xml_paragraphs(nbytes, seed):
    r = random.Random(seed)
    return fill(nbytes, lambda i: f"<w:p><w:r><w:t xml:space=\"preserve\">{finds_line(r, i).strip()}</w:t></w:r></w:p>")


def docx_bytes(budget, deep=False, text_xml=None):
    """A DOCX whose zip stays under `budget` bytes: document.xml just under the
    per-part limit, dense with finds, then as many headers (each just under the
    limit too) as the budget holds, or, with `text_xml`, as make the XML of the
    document and headers together just under `text_xml` bytes; with `deep`,
    one paragraph nested to just under the XML depth limit. Returns the bytes,
    the number of headers and the bytes of XML."""
    part = DOCX_MAX_PART - 64 * 1024
    if text_xml is not None:
        part = min(part, text_xml - 4096)
    body_open = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS}><w:body>'
    body_close = "</w:body></w:document>"
    inner = ""
    if deep:
        d = DOCX_MAX_DEPTH - 8
        inner = ("<w:sdt><w:sdtContent>" * (d // 2)) + "<w:p><w:r><w:t>Mr John Smith</w:t></w:r></w:p>" + (
            "</w:sdtContent></w:sdt>" * (d // 2))
    document = body_open + inner + xml_paragraphs(part - len(body_open) - len(body_close) - len(inner), 1) + body_close
    h_open = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr {W_NS}>'

    def header(k, size):
        return h_open + xml_paragraphs(size - len(h_open) - 10, 100 + k) + "</w:hdr>"

    # With `text_xml`, the headers' sizes are fixed by it: whole parts, then what is left.
    sizes = None
    if text_xml is not None:
        sizes, left = [], text_xml - 4096 - len(document)
        while left > 4096:
            sizes.append(min(part, left))
            left -= sizes[-1]

    def build(nheaders):
        buf = io.BytesIO()
        overrides = ['<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.wordprocessingml.document.main+xml"/>']
        rels = []
        xml = len(document)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for k in range(nheaders):
                overrides.append(f'<Override PartName="/word/header{k + 1}.xml" ContentType="application/'
                                 'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>')
                rels.append(f'<Relationship Id="rH{k + 1}" Type="http://schemas.openxmlformats.org/'
                            f'officeDocument/2006/relationships/header" Target="header{k + 1}.xml"/>')
            z.writestr("[Content_Types].xml",
                       '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                       'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                       'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                       'ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
            z.writestr("_rels/.rels",
                       '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                       'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
                       'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                       'Target="word/document.xml"/></Relationships>')
            z.writestr("word/_rels/document.xml.rels",
                       '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                       'openxmlformats.org/package/2006/relationships">' + "".join(rels) + "</Relationships>")
            z.writestr("word/document.xml", document)
            for k in range(nheaders):
                h = header(k, sizes[k] if sizes is not None else part)
                xml += len(h)
                z.writestr(f"word/header{k + 1}.xml", h)
        return buf.getvalue(), nheaders, xml

    data = build(0)
    if len(data[0]) > budget:
        raise RuntimeError(f"the DOCX document part alone is {len(data[0])} bytes, over {budget}")
    # Each header compresses to about the same size as the document: estimate, then step down.
    n = max(0, (budget - len(data[0])) // max(1, len(data[0]) - 2048))
    if sizes is not None:
        n = min(n, len(sizes))
    while n > 0:
        bigger = build(n)
        if len(bigger[0]) <= budget:
            return bigger
        n -= 1
    return data


def multipart(fields):
    """`fields`: (name, value bytes, file name or None). Returns (content type, body)."""
    boundary = "----civicbounds" + "%016x" % random.Random(3).getrandbits(64)
    out = io.BytesIO()
    for name, value, filename in fields:
        out.write(f"--{boundary}\r\n".encode())
        if filename is None:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        else:
            out.write(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      "Content-Type: application/octet-stream\r\n\r\n".encode())
        out.write(value)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", out.getvalue()


# ---------------------------------------------------------------- server


def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


class Server:
    def __init__(self, binary, data_dir, log_path):
        self.binary, self.data_dir, self.log_path = binary, data_dir, log_path
        self.port = free_port()
        self.proc = None

    def start(self):
        out = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--demo", "--data-dir", self.data_dir, "--bind", f"{LOOPBACK}:{self.port}"],
            stdout=subprocess.PIPE, stderr=out, stdin=subprocess.DEVNULL)
        printed = ""
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            printed += line
            out.write(raw)
            out.flush()
            if "is listening on" in line:
                break
        threading.Thread(target=lambda: [out.write(r) for r in self.proc.stdout], daemon=True).start()
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=2)
                c.request("GET", "/api/v1/health")
                if c.getresponse().status == 200:
                    return printed
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server was not ready after 300 s; see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def parse_demo(printed):
    """API keys (`role civic_…`) and web sign-ins (`role e-mail password`) as printed by `serve --demo`."""
    keys, users = {}, {}
    for line in printed.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("civic_"):
            keys[parts[0]] = parts[1]
        elif len(parts) == 3 and "@" in parts[1]:
            users[parts[0]] = (parts[1], parts[2])
    return keys, users


# ---------------------------------------------------------------- HTTP


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def text(self):
        return self.body.decode("utf-8", "replace")


def send(port, method, path, body=None, headers=None, timeout=900):
    c = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return Answer(r.status, r.getheaders(), data)


class Session:
    """A signed-in web user: cookies and the CSRF token of the last page read."""

    def __init__(self, port):
        self.port, self.cookies, self.csrf = port, {}, ""

    def _take(self, answer):
        for k, v in answer.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if value:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        m = re.search(rb'name="csrf" value="([^"]+)"', answer.body)
        if m:
            self.csrf = m.group(1).decode()
        return answer

    def headers(self, extra=None):
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        h.update(extra or {})
        return h

    def get(self, path):
        return self._take(send(self.port, "GET", path, headers=self.headers()))

    def post_form(self, path, fields):
        body = urllib.parse.urlencode([("csrf", self.csrf)] + list(fields)).encode()
        return self._take(send(self.port, "POST", path, body,
                               self.headers({"Content-Type": "application/x-www-form-urlencoded"})))

    def post_multipart(self, path, fields):
        ctype, body = multipart([("csrf", self.csrf.encode(), None)] + list(fields))
        return self._take(send(self.port, "POST", path, body, self.headers({"Content-Type": ctype})))


def location(answer):
    for k, v in answer.headers:
        if k.lower() == "location":
            return v
    return ""


# ---------------------------------------------------------------- measuring


def page_errors(answer):
    """The messages of a page's error summary, or the start of a JSON error."""
    found = re.findall(rb'<a href="#[^"]*">([^<]+)</a>', answer.body.split(b"govuk-error-summary__list", 1)[-1][:4000]) \
        if b"govuk-error-summary__list" in answer.body else []
    if found:
        return "; ".join(x.decode("utf-8", "replace").strip() for x in found)
    m = re.search(rb"<title>([^<]+)</title>", answer.body)
    return (m.group(1) if m else answer.body[:300]).decode("utf-8", "replace").strip()


class Bench:
    """Sends each case alone and records its cost. Memory a process has once
    taken stays counted in its RSS, so when an earlier case left the server
    more than `RESTART_ABOVE_MB` above its size at start, the server is
    restarted (and warmed up) first: each row then measures one request on a
    server that holds no earlier request's memory."""

    RESTART_ABOVE_MB = 50

    def __init__(self, server, only, warm_up):
        self.server, self.only, self.warm_up = server, only, warm_up
        self.rows, self.problems, self.covered = [], [], set()
        self.restarts = 0
        self.fresh_mb = None

    def fresh(self):
        """Restarts the server if earlier cases left it holding memory."""
        pid = self.server.proc.pid
        rss = status_kib(pid, "VmRSS") / 1024
        if self.fresh_mb is None:
            self.warm_up()
            self.fresh_mb = status_kib(pid, "VmRSS") / 1024
        elif rss > self.fresh_mb + self.RESTART_ABOVE_MB:
            self.server.stop()
            self.server.start()
            self.warm_up()
            self.restarts += 1

    def quiet(self, pid, settle=0.5, longest=30.0):
        """Waits until the server has used no CPU for `settle` seconds."""
        end = time.time() + longest
        last = cpu_seconds(pid)
        while time.time() < end:
            time.sleep(settle)
            now = cpu_seconds(pid)
            if now == last:
                return
            last = now

    def measure(self, endpoint, shape, fn, expect, operation=None, long_job=False):
        """Runs `fn` (one request) alone and records its cost. `expect`: the
        statuses this input should get. `operation`: the OpenAPI (method, path) it covers.
        `long_job`: a documented long job, measured but not held to the bounds."""
        if operation:
            self.covered.add(operation)
        if self.only and not any(o in endpoint or o in shape for o in self.only):
            return None
        self.fresh()
        pid = self.server.proc.pid
        self.quiet(pid)
        reset_peak(pid)
        rss_before = status_kib(pid, "VmRSS") / 1024
        before = cpu_seconds(pid)
        t0 = time.monotonic()
        try:
            answer = fn()
            status = answer.status
        except (OSError, http.client.HTTPException) as e:
            answer, status = None, f"error: {e.__class__.__name__}"
        wall = time.monotonic() - t0
        self.quiet(pid)
        cpu = cpu_seconds(pid) - before
        peak_mb = status_kib(pid, "VmHWM") / 1024
        size = len(answer.body) if answer else 0
        row = {"endpoint": endpoint, "shape": shape, "status": status, "cpu": cpu, "rss": peak_mb, "rss_before": rss_before,
               "wall": wall, "answer_bytes": size, "long_job": long_job}
        self.rows.append(row)
        log(f"{endpoint} | {shape} -> {status} in {wall:.2f}s, CPU {cpu:.2f}s, RSS {rss_before:.0f} -> peak {peak_mb:.0f} MB, "
            f"{size} bytes")
        if status not in expect:
            detail = page_errors(answer) if answer else ""
            self.problems.append(f"{endpoint} ({shape}): status {status}, expected {sorted(expect)} {detail}")
        if self.server.proc.poll() is not None:
            raise RuntimeError(f"the server exited with {self.server.proc.returncode} during {endpoint}")
        return answer


def api(port, key, method, path, body=None, ctype="application/json", extra=None):
    headers = {"Authorization": f"Bearer {key}"}
    if body is not None:
        headers["Content-Type"] = ctype
    headers.update(extra or {})
    return lambda: send(port, method, path, body, headers)


def run_api(b, port, keys):
    cw, rv, ad, au = keys["caseworker"], keys["reviewer"], keys["admin"], keys["auditor"]
    ok = {200, 201}
    budget = BODY_LIMIT - MARGIN
    records = JSON_BODY_LIMIT - MARGIN

    b.measure("GET /api/v1/health", "no body", lambda: send(port, "GET", "/api/v1/health"), {200},
              ("get", "/api/v1/health"))
    b.measure("GET /api/v1/openapi.json", "no body", lambda: send(port, "GET", "/api/v1/openapi.json"), {200})

    # Decisions: most fields, one long string, nesting at the limit, and the limit plus one.
    many, nfields = filled_object(lambda i: f"k{i:07d}", records - 300)
    a = b.measure("POST /api/v1/decisions", f"input of {nfields:,} fields, {JSON_BODY_LIMIT // 1024} KiB body",
                  api(port, cw, "POST", "/api/v1/decisions", decision_body(many)), ok,
                  ("post", "/api/v1/decisions"))
    big_decision = a.json()["id"] if a and a.status in ok else None
    long_string = json.dumps("x" * (records - 400))
    b.measure("POST /api/v1/decisions", f"one string of {records - 400:,} characters in input",
              api(port, cw, "POST", "/api/v1/decisions", decision_body(long_string)), ok)
    b.measure("POST /api/v1/decisions", f"input nested {JSON_MAX_DEPTH - 3} deep",
              api(port, cw, "POST", "/api/v1/decisions", decision_body(nested_array(JSON_MAX_DEPTH - 3))), ok)
    deep = decision_body(nested_array((records - 400) // 2))
    b.measure("POST /api/v1/decisions", f"input nested {(records - 400) // 2:,} deep (refused)",
              api(port, cw, "POST", "/api/v1/decisions", deep), {400, 422})
    b.measure("POST /api/v1/decisions", "body of json_body_limit + 1 byte (refused)",
              api(port, cw, "POST", "/api/v1/decisions", b" " * (JSON_BODY_LIMIT + 1)), {413})
    if big_decision:
        b.measure("GET /api/v1/decisions/{id}", f"the decision of {nfields:,} fields",
                  api(port, au, "GET", f"/api/v1/decisions/{big_decision}"), {200},
                  ("get", "/api/v1/decisions/{id}"))
    # A review: an override whose output is as large as the body allows.
    small = send(port, "POST", "/api/v1/decisions", decision_body('{"n":1}'),
                 {"Authorization": f"Bearer {cw}", "Content-Type": "application/json"}).json()["id"]
    out, nout = filled_object(lambda i: f"o{i:07d}", records - 200)
    review_body = ('{"action":"override","reason":"Other","details":"' + "d" * 1700 + '","output":'
                   + out + "}").encode()
    a = b.measure("POST /api/v1/decisions/{id}/review", f"override with an output of {nout:,} fields",
                  api(port, rv, "POST", f"/api/v1/decisions/{small}/review", review_body), {201},
                  ("post", "/api/v1/decisions/{id}/review"))
    review_id = a.json()["id"] if a and a.status == 201 else None
    if review_id:
        b.measure("POST /api/v1/reviews/{id}/redact-reason", "a why of 2,000 characters",
                  api(port, ad, "POST", f"/api/v1/reviews/{review_id}/redact-reason",
                      json_body({"why": "w" * 2000})), {201, 422},
                  ("post", "/api/v1/reviews/{id}/redact-reason"))

    # Triage: the longest text, with many safeguarding phrases; one line; over the limit.
    r = random.Random(2)
    phrases = ["I want to end my life", "he hits me and the children", "we are homeless tonight",
               "my neighbour has collapsed and is not answering", "the heating has not worked and she is 94",
               "Mr John Smith of 4 Elm Road SW1A 1AA called on 020 7946 0018", "bins not collected",
               "there is a pothole outside number 12"]
    sg = ""
    while len(sg) < TRIAGE_MAX_CHARS:
        sg += r.choice(phrases) + ". "
    sg = sg[:TRIAGE_MAX_CHARS]
    b.measure("POST /api/v1/triage", f"{TRIAGE_MAX_CHARS:,} characters of safeguarding phrases and finds",
              api(port, cw, "POST", "/api/v1/triage", json_body({"text": sg, "reference": "r" * 200})), {200},
              ("post", "/api/v1/triage"))
    words = " ".join(f"w{r.getrandbits(40):x}" for _ in range(TRIAGE_MAX_CHARS // 12))[:TRIAGE_MAX_CHARS]
    b.measure("POST /api/v1/triage", f"{TRIAGE_MAX_CHARS:,} characters of distinct words",
              api(port, cw, "POST", "/api/v1/triage", json_body({"text": words})), {200})
    b.measure("POST /api/v1/triage", f"{TRIAGE_MAX_CHARS:,} four-byte characters",
              api(port, cw, "POST", "/api/v1/triage", json_body({"text": wide_chars_text(TRIAGE_MAX_CHARS)},
                                                              )), {200})
    # Over json_body_limit (the server answers 413 before reading a larger body).
    b.measure("POST /api/v1/triage", f"{JSON_BODY_LIMIT + 1024:,} characters (refused)",
              api(port, cw, "POST", "/api/v1/triage", json_body({"text": "a" * (JSON_BODY_LIMIT + 1024)})), {413})

    # Redaction of a text: the longest text dense with finds; four-byte characters;
    # every span given; the longest keep list.
    text = dense_chars(REDACT_MAX_CHARS)
    b.measure("POST /api/v1/redact/preview", f"{REDACT_MAX_CHARS:,} characters, a find every ~20",
              api(port, cw, "POST", "/api/v1/redact/preview", json_body({"text": text})), {200},
              ("post", "/api/v1/redact/preview"))
    b.measure("POST /api/v1/redact/preview", f"{REDACT_MAX_CHARS:,} characters, four-byte characters and finds",
              api(port, cw, "POST", "/api/v1/redact/preview",
                  json_body({"text": wide_chars_text(REDACT_MAX_CHARS)})), {200})
    b.measure("POST /api/v1/redact (JSON)", f"{REDACT_MAX_CHARS:,} characters, pseudonym operator",
              api(port, cw, "POST", "/api/v1/redact",
                  json_body({"text": text, "options": {"operator": "pseudonym"}})), {200},
              ("post", "/api/v1/redact"))
    step = REDACT_MAX_CHARS // REDACT_MAX_SPANS
    spans = [{"start": k, "end": k + step - 1, "label": "PERSON"} for k in range(0, REDACT_MAX_CHARS, step)]
    b.measure("POST /api/v1/redact (JSON)", f"{REDACT_MAX_CHARS:,} characters, {len(spans):,} spans given",
              api(port, cw, "POST", "/api/v1/redact", json_body({"text": text, "spans": spans})), {200})
    kr = random.Random(9)
    keep_len = min(KEEP_MAX_CHARS, (budget - 2 * REDACT_MAX_CHARS) // KEEP_MAX_VALUES - 4)
    keep = [f"{kr.choice(NAMES)} {k} " + "k" * max(0, keep_len - 25) for k in range(KEEP_MAX_VALUES)]
    b.measure("POST /api/v1/redact (JSON)",
              f"{REDACT_MAX_CHARS:,} characters, keep list of {KEEP_MAX_VALUES:,} x {keep_len} characters",
              api(port, cw, "POST", "/api/v1/redact", json_body({"text": text, "options": {"keep": keep}})),
              {200})

    # Redaction of documents: the largest accepted upload of each type, as JSON and as a ZIP.
    def upload(name, data, accept, policy=None):
        fields = [("file", data, name), ("options", b'{"operator":"pseudonym"}', None),
                  ("reference", b"bounds", None)]
        if policy:
            fields.append(("csv_policy", policy, None))
        ctype, body = multipart(fields)
        return api(port, cw, "POST", "/api/v1/redact", body, ctype, {"Accept": accept})

    # Uploads over JSON_ANSWER_LIMIT are answered only as a ZIP (413 as JSON);
    # the largest answered as JSON is measured too.
    docs = upload_documents(budget)
    for name, (label, data) in docs.items():
        refused = name in REFUSED_DOCUMENTS
        as_json = not refused and work_size(data) <= JSON_ANSWER_LIMIT
        b.measure("POST /api/v1/redact (ZIP)", label, upload(name, data, "application/zip"),
                  {413} if refused else {200})
        b.measure("POST /api/v1/redact (JSON)", label + ("" if refused or as_json else " (refused as JSON)"),
                  upload(name, data, "application/json"), {200} if as_json else {413})
    for name, (label, data) in upload_documents(JSON_ANSWER_LIMIT - MARGIN).items():
        if work_size(docs[name][1]) <= JSON_ANSWER_LIMIT:
            continue  # the same upload, measured above
        # A Word document is judged by what it unzips to.
        over = name in REFUSED_DOCUMENTS or work_size(data) > JSON_ANSWER_LIMIT
        b.measure("POST /api/v1/redact (JSON)", label + (" (refused as JSON)" if over else ""),
                  upload(name, data, "application/json"), {413} if over else {200})

    # Risk: the most fields a record may have, each a long string where the model allows it.
    rec = {"claim_amount": 880.5, "household_size": 3, "changes_of_circumstance_12m": 2,
           "days_since_last_claim": 40, "channel": "phone", "region": "london",
           "employment_status": "self_employed", "bank_details_changed": True,
           "previous_overpayment": False, "preferred_language": "english"}
    per = (records - 2000) // RISK_MAX_FIELDS - 20
    for k in range(RISK_MAX_FIELDS - len(rec)):
        rec[f"protected_{k}"] = "p" * per
    extra = b.measure("POST /api/v1/risk/score", f"{RISK_MAX_FIELDS} fields of ~{per:,} characters",
                      api(port, cw, "POST", "/api/v1/risk/score",
                          json_body({"model": "claims-risk", "reference": "bounds", "record": rec})), {200, 422},
                      ("post", "/api/v1/risk/score"))
    if extra is not None and extra.status == 422:
        # The model refuses columns it does not know: measure the largest record it takes.
        base = {k: v for k, v in rec.items() if not k.startswith("protected_")}
        cats = ["channel", "region", "employment_status", "preferred_language"]
        each = (records - 2000) // len(cats)
        for k in cats:
            base[k] = k[0] * each
        b.measure("POST /api/v1/risk/score", f"4 unseen category values of {each:,} characters each",
                  api(port, cw, "POST", "/api/v1/risk/score",
                      json_body({"model": "claims-risk", "reference": "bounds", "record": base})), {200})

    # Audit and keys.
    b.measure("GET /api/v1/audit/checkpoint", "signs one on the spot",
              api(port, au, "GET", "/api/v1/audit/checkpoint"), {200}, ("get", "/api/v1/audit/checkpoint"))
    b.measure("GET /api/v1/audit/checkpoints", "?limit=1000",
              api(port, au, "GET", "/api/v1/audit/checkpoints?limit=1000"), {200},
              ("get", "/api/v1/audit/checkpoints"))
    if big_decision:
        b.measure("GET /api/v1/audit/proof/{id}", "proof of the largest decision",
                  api(port, au, "GET", f"/api/v1/audit/proof/{big_decision}"), {200},
                  ("get", "/api/v1/audit/proof/{id}"))
    a = b.measure("POST /api/v1/keys", "a name of 64 characters",
                  api(port, ad, "POST", "/api/v1/keys", json_body({"name": "n" * 64, "role": "auditor"})), {201},
                  ("post", "/api/v1/keys"))
    b.measure("GET /api/v1/keys", "every key", api(port, ad, "GET", "/api/v1/keys"), {200}, ("get", "/api/v1/keys"))
    if a and a.status == 201:
        kid = a.json().get("id") or a.json().get("key", {}).get("id")
        b.measure("POST /api/v1/keys/{id}/revoke", "revoke it", api(port, ad, "POST", f"/api/v1/keys/{kid}/revoke"),
                  {200, 201, 204}, ("post", "/api/v1/keys/{id}/revoke"))
    return big_decision


def work_size(data):
    """What the server counts against JSON_ANSWER_LIMIT: the size, or for a
    zip package what it unzips to (civic-app redact::files::work_size)."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return max(len(data), sum(i.file_size for i in z.infolist()))
        except zipfile.BadZipFile:
            pass
    return len(data)


_DOCUMENTS = {}


def upload_documents(budget):
    """The largest accepted upload of each type, by file name: (description, bytes)."""
    if budget in _DOCUMENTS:
        return _DOCUMENTS[budget]
    docs = _DOCUMENTS[budget] = {}
    t = dense_text(budget).encode()
    docs["notes.txt"] = (f"text, {len(t):,} bytes, a find every ~20 characters", t)
    lt = dense_text(budget, line_bytes=MAX_LINE_BYTES - 1024).encode()
    docs["long-line.txt"] = (f"text, {len(lt):,} bytes, lines of {MAX_LINE_BYTES - 1024:,} bytes", lt)
    c = csv_text(budget).encode()
    docs["claims.csv"] = (f"CSV, {len(c):,} bytes, 8 columns of personal data", c)
    cw = csv_text(budget, columns=2000).encode()
    docs["wide.csv"] = (f"CSV, {len(cw):,} bytes, 2,000 columns", cw)
    e = eml_text(budget).encode()
    docs["message.eml"] = (f"e-mail, {len(e):,} bytes of body with finds", e)
    ea = eml_attachments(budget).encode()
    docs["attachments.eml"] = (f"e-mail, {len(ea):,} bytes, base64 attachments", ea)
    d, n, x = docx_bytes(budget, text_xml=DOCX_MAX_TEXT_XML)
    docs["letter.docx"] = (f"DOCX, {len(d):,} bytes zipped, document + {n} headers, {x:,} bytes of XML", d)
    dd, nd, xd = docx_bytes(budget, deep=True, text_xml=DOCX_MAX_TEXT_XML)
    docs["deep.docx"] = (f"DOCX, {len(dd):,} bytes zipped, + {nd} headers, {xd:,} bytes of XML, "
                         f"nesting {DOCX_MAX_DEPTH - 8} deep", dd)
    dh, nh, xh = docx_bytes(budget)
    docs["huge.docx"] = (f"DOCX, {len(dh):,} bytes zipped, document + {nh} headers, {xh:,} bytes of XML "
                         "(refused)", dh)
    return docs


# The uploads refused for the work they would take (the XML of a Word document's text).
REFUSED_DOCUMENTS = {"huge.docx"}


def sign_in(port, email, password):
    s = Session(port)
    s.get("/sign-in")
    a = s.post_form("/sign-in", [("email", email), ("password", password), ("return_to", "/"), ("draft", "")])
    if a.status not in (302, 303):
        raise RuntimeError(f"could not sign in as {email}: {a.status}")
    s.get("/")
    return s, a


def run_web(b, port, users, big_decision):
    # Signing in hashes a password (argon2id): measured as a request of its own.
    email, password = users["caseworker"]
    cwk = Session(port)
    cwk.get("/sign-in")
    signed_in = b.measure("POST /sign-in", "right password (argon2id)",
                          lambda: cwk.post_form("/sign-in", [("email", email), ("password", password),
                                                             ("return_to", "/"), ("draft", "")]), {302, 303})
    if signed_in is None:
        # Left out by --only, but the pages after it need the session.
        cwk.post_form("/sign-in", [("email", email), ("password", password), ("return_to", "/"), ("draft", "")])
    cwk.get("/")
    rev, _ = sign_in(port, *users["reviewer"])
    adm, _ = sign_in(port, *users["admin"])
    aud, _ = sign_in(port, *users["auditor"])
    budget = BODY_LIMIT - MARGIN

    # Triage page.
    r = random.Random(4)
    text = ""
    while len(text) < TRIAGE_MAX_CHARS:
        text += r.choice(["I want to end my life. ", "Mr John Smith of 4 Elm Road SW1A 1AA. ",
                          "he hits me and the children. ", "bins not collected. "])
    text = text[:TRIAGE_MAX_CHARS]
    cwk.get("/triage")
    a = b.measure("POST /triage (web)", f"{TRIAGE_MAX_CHARS:,} characters with safeguarding phrases",
                  lambda: cwk.post_form("/triage", [("text", text), ("reference", "r" * 200)]), {200, 303})
    if a is not None and a.status == 303:
        b.measure("GET /triage/{id} (web)", "its result", lambda: cwk.get(location(a)), {200})
    cwk.get("/triage")
    # Under body_limit the form is read, and the page refuses the text as too
    # long (400, the form again with its error); over it, 413.
    b.measure("POST /triage (web)", f"form body of {budget:,} bytes, a text too long (refused)",
              lambda: cwk.post_form("/triage", [("text", "a" * budget)]), {400})
    cwk.get("/triage")
    b.measure("POST /triage (web)", "form body of body_limit + 1 KiB (refused)",
              lambda: cwk.post_form("/triage", [("text", "a" * (BODY_LIMIT + 1024))]), {413})

    # Redaction page: each document type uploaded, its first and last page of
    # review; for the text, the whole way to the download.
    docs = dict(upload_documents(budget - 1024))
    # The largest dense text whose finds (about 8 a line) stay under the
    # 100,000 spans a redaction takes, so that its draft can be finished.
    fits = dense_text(1_400_000).encode()
    docs["fits.txt"] = (f"text, {len(fits):,} bytes, a find every ~20 characters", fits)
    for name, (label, data) in docs.items():
        for s in (cwk,):
            s.get("/redact")
            a = b.measure("POST /redact (web upload)", label,
                          lambda: s.post_multipart("/redact", [("operator", b"pseudonym", None), ("file", data, name)]),
                          {413} if name in REFUSED_DOCUMENTS else {303})
            if a is None or a.status != 303:
                continue
            where = location(a)
            first = b.measure("GET /redact/{id} (web review)", f"page 1 of {name}", lambda: s.get(where), {200})
            pages = 1
            if first is not None:
                m = re.search(rb"\((\d+) of (\d+)\)", first.body)
                pages = int(m.group(2)) if m else 1
                if pages > 1:
                    b.measure("GET /redact/{id} (web review)", f"page {pages} of {name}",
                              lambda: s.get(f"{where}?page={pages}"), {200})
            if name in ("notes.txt", "fits.txt"):
                s.get(where)
                b.measure("POST /redact/{id} (web add)", f"{name}: add every 'Smith' as PERSON",
                          lambda: s.post_form(where, [("action", "add"), ("page", "1"), ("find_text", "Smith"),
                                                      ("find_label", "PERSON")]), {200, 303})
                page = s.get(where)
                boxes = [(m.group(1).decode(), "yes") for m in
                         re.finditer(rb'name="([^"]+)" type="checkbox" value="yes" checked', page.body)]
                a = b.measure("POST /redact/{id} (web redact)", f"{name}, every suggestion",
                              lambda: s.post_form(where, [("action", "redact"), ("page", "1")] + boxes), {303})
                if a is not None and a.status == 303:
                    done = location(a)
                    b.measure("GET /redact/{id}/done (web)", name, lambda: s.get(done), {200})
                    b.measure("GET /redact/{id}/file (web)", name, lambda: s.get(f"{where}/file"), {200})
                    b.measure("GET /redact/{id}/log (web)", name, lambda: s.get(f"{where}/log"), {200})
            s.get(where)
            s.post_form(f"{where}/discard", [])

    # Queue, review, models, audit.
    b.measure("GET /queue (web)", "first page", lambda: rev.get("/queue"), {200})
    if big_decision:
        b.measure("GET /review/{id} (web)", "the decision of the most fields",
                  lambda: rev.get(f"/review/{big_decision}"), {200})
        b.measure("GET /audit/decisions/{id} (web)", "the decision of the most fields",
                  lambda: aud.get(f"/audit/decisions/{big_decision}"), {200})
    b.measure("GET /models (web)", "every model", lambda: adm.get("/models"), {200})
    for model in ("council-triage", "claims-risk"):
        b.measure("GET /models/{name} (web)", model, lambda: adm.get(f"/models/{model}"), {200})
    b.measure("GET /audit (web)", "overview", lambda: aud.get("/audit"), {200})
    # "Verify now" recomputes the whole ledger in the background (operations.md): a long job.
    b.measure("POST /audit/verify (web)", "the whole ledger, until the background check ends",
              lambda: aud.post_form("/audit/verify", []), {200, 303}, long_job=True)
    span = "from=2000-01-01&to=2099-12-31"
    b.measure("GET /audit/export/decisions.csv (web)", "every decision",
              lambda: aud.get(f"/audit/export/decisions.csv?{span}"), {200})
    b.measure("GET /audit/export/reviews.csv (web)", "every review",
              lambda: aud.get(f"/audit/export/reviews.csv?{span}"), {200})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", default="target/release/civic")
    p.add_argument("--cpu-limit", type=float, default=2.0, help="seconds of CPU per request")
    p.add_argument("--rss-limit-mb", type=float, default=300.0, help="peak RSS per request, in MiB (2^20 bytes, as VmHWM is read)")
    p.add_argument("--only", action="append", default=[],
                   help="run only the cases whose endpoint or input contains this (may be repeated)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="civic-bounds-")
    data_dir = os.path.join(work, "data")
    server = Server(os.path.abspath(args.binary), data_dir, os.path.join(work, "server.log"))
    ok = False
    try:
        log(f"starting {args.binary} serve --demo in {work} (trains the demo models)")
        keys, users = parse_demo(server.start())
        if set(keys) != {"caseworker", "reviewer", "admin", "auditor"} or set(users) != set(keys):
            raise RuntimeError(f"no demo keys or sign-ins in the server's output; see {server.log_path}")
        # Start again so that the process measured holds no training memory;
        # --demo again keeps inputs for 30 days (the heavier case) and seeds nothing new.
        server.stop()
        server.start()
        log(f"serving on {LOOPBACK}:{server.port}, pid {server.proc.pid}, "
            f"RSS {status_kib(server.proc.pid, 'VmRSS') / 1024:.0f} MB")
        cw = {"Authorization": f"Bearer {keys['caseworker']}", "Content-Type": "application/json"}

        def warm_up():
            # Load the models a request would otherwise load first (they are cached).
            send(server.port, "POST", "/api/v1/triage", json_body({"text": "bins not collected"}), cw)
            send(server.port, "POST", "/api/v1/risk/score", json_body({"model": "claims-risk", "record": {
                "claim_amount": 10.0, "household_size": 1, "changes_of_circumstance_12m": 0,
                "days_since_last_claim": 1, "channel": "phone", "region": "london", "employment_status":
                "employed", "bank_details_changed": False, "previous_overpayment": False,
                "preferred_language": "english"}}), cw)
            send(server.port, "POST", "/api/v1/redact/preview", json_body({"text": "Mr John Smith"}), cw)

        b = Bench(server, args.only, warm_up)
        doc = send(server.port, "GET", "/api/v1/openapi.json").json()
        operations = {(m, path) for path, item in doc["paths"].items() for m in item
                      if m in ("get", "post", "put", "patch", "delete")}
        big = run_api(b, server.port, keys)
        run_web(b, server.port, users, big)
        # With --only, cases that depend on skipped ones do not run: coverage is judged on full runs.
        missing = [] if args.only else sorted(operations - b.covered)
        for m, path in missing:
            b.problems.append(f"no case for {m.upper()} {path} of the OpenAPI document")
        over = []
        print("| endpoint | input | status | CPU s | peak RSS MB | RSS before MB | wall s |")
        print("|---|---|---|---:|---:|---:|---:|")
        for row in b.rows:
            flag = not row["long_job"] and (row["cpu"] > args.cpu_limit or row["rss"] > args.rss_limit_mb)
            if flag:
                over.append(row)
            mark = "**" if flag else ""
            shape = row["shape"] + (" (documented long job: not bounded)" if row["long_job"] else "")
            print(f"| {row['endpoint']} | {shape} | {row['status']} | {mark}{row['cpu']:.2f}{mark} | "
                  f"{mark}{row['rss']:.0f}{mark} | {row['rss_before']:.0f} | {row['wall']:.2f} |")
        print()
        for row in over:
            print(f"OVER BOUND: {row['endpoint']} ({row['shape']}): {row['cpu']:.2f} s CPU, "
                  f"{row['rss']:.0f} MB peak RSS (bounds {args.cpu_limit} s, {args.rss_limit_mb:.0f} MB)")
        print(f"{len(b.rows)} requests; the server was restarted {b.restarts} times to shed memory "
              f"held after earlier requests (RSS at start {b.fresh_mb:.0f} MB)")
        for problem in b.problems:
            print(f"PROBLEM: {problem}")
        ok = not over and not b.problems
        return 0 if ok else 1
    finally:
        server.stop()
        if args.keep or not ok:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
