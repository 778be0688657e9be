#!/usr/bin/env python3
"""A second implementation of Civic canonical JSON, written from the rules in
docs/architecture.md ("Canonical JSON"), not from the Rust code.

It reads `canonical_json.json` (a list of vectors, each with a `name` and an
`input`: JSON text in any key order and spacing) and writes each vector's
`canonical` text and its `sha256` back into the file. The Rust test
`civic-core/tests/canonical_vectors.rs` checks the Rust writer against the
same file, so the two implementations, and so the written rules, agree.

Run: python3 crates/civic-core/tests/data/canonical_json_reference.py
Standard library only.
"""

import decimal
import hashlib
import json
import math
import pathlib
import sys

ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
           "\f": "\\f", "\r": "\\r"}


def string(s):
    out = ['"']
    for ch in s:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def number(n):
    if isinstance(n, int) and not isinstance(n, bool):
        if -(2**63) <= n < 2**64:
            return str(n)
        n = float(n)  # beyond 64 bits: read as a double, rule 5
    if not math.isfinite(n):
        raise ValueError("not representable")
    if n == 0:
        return "-0.0" if math.copysign(1.0, n) < 0 else "0.0"
    sign = "-" if n < 0 else ""
    # The shortest digit string that reads back as the same double.
    d = decimal.Decimal(repr(abs(n)))
    digits, exp = d.as_tuple().digits, d.as_tuple().exponent
    digits = "".join(map(str, digits)).lstrip("0")
    # repr may keep trailing zeros ("100.0" -> 1000 e-1): drop them.
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped
    k = len(digits) + exp  # value = 0.DIGITS x 10^k
    if 0 <= exp and k <= 16:
        return sign + digits + "0" * exp + ".0"
    if 0 < k <= 16:
        return sign + digits[:k] + "." + digits[k:]
    if -5 < k <= 0:
        return sign + "0." + "0" * (-k) + digits
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    e = k - 1
    return sign + mantissa + "e" + ("-" if e < 0 else "+") + str(abs(e))


def canonical(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return string(v)
    if isinstance(v, (int, float)):
        return number(v)
    if isinstance(v, list):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return "{" + ",".join(string(k) + ":" + canonical(v[k]) for k in keys) + "}"
    raise TypeError(type(v))


def read(text):
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)
    # "-0" is a double (negative zero), as in the rules.
    return json.loads(text, object_pairs_hook=no_duplicates,
                      parse_int=lambda s: -0.0 if s == "-0" else int(s))


def main():
    path = pathlib.Path(__file__).with_name("canonical_json.json")
    vectors = json.loads(path.read_text(encoding="utf-8"))
    for v in vectors:
        text = canonical(read(v["input"]))
        v["canonical"] = text
        v["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path.write_text(json.dumps(vectors, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"{len(vectors)} vectors written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
