#!/usr/bin/env python3
"""Where the bytes of the browser build are: function body sizes by crate and by symbol.

Usage: cargo build -p kubeplay-frontend --target wasm32-unknown-unknown --profile wasm-prof
       python3 tests/perf/sizes.py target/wasm32-unknown-unknown/wasm-prof/kubeplay-frontend.wasm [filter]
The wasm-prof profile is wasm-release with symbol names kept.
"""
import re
import sys
from collections import Counter


def leb(data, i):
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def sections(data):
    i = 8
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        yield sid, data[i : i + size]
        i += size


def imported_functions(body):
    count, i = leb(body, 0)
    funcs = 0
    for _ in range(count):
        for _ in range(2):
            n, i = leb(body, i)
            i += n
        kind = body[i]
        i += 1
        if kind == 0:
            _, i = leb(body, i)
            funcs += 1
        elif kind == 1:
            i += 1
            flags, i = leb(body, i)
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
        elif kind == 2:
            flags, i = leb(body, i)
            _, i = leb(body, i)
            if flags & 1:
                _, i = leb(body, i)
        elif kind == 3:
            i += 2
    return funcs


def demangle(name):
    if not name.startswith("_ZN"):
        return name
    i, parts = 3, []
    while i < len(name) and name[i] != "E":
        m = re.match(r"\d+", name[i:])
        if not m:
            break
        n = int(m.group())
        i += len(m.group())
        parts.append(name[i : i + n])
        i += n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(parts)
    for code, ch in [("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$BP$", "*"), ("$C$", ","),
                     ("$u20$", " "), ("$u27$", "'"), ("$u5b$", "["), ("$u5d$", "]"),
                     ("$u7b$", "{"), ("$u7d$", "}"), ("$u7e$", "~"), ("$SP$", "@"), ("..", "::")]:
        text = text.replace(code, ch)
    return text


def main():
    data = open(sys.argv[1], "rb").read()
    needle = sys.argv[2] if len(sys.argv) > 2 else None
    imports, bodies, names = 0, [], {}
    for sid, body in sections(data):
        if sid == 2:
            imports = imported_functions(body)
        elif sid == 10:
            count, i = leb(body, 0)
            for _ in range(count):
                size, i = leb(body, i)
                bodies.append(size)
                i += size
        elif sid == 0:
            n, i = leb(body, 0)
            if body[i : i + n] != b"name":
                continue
            i += n
            while i < len(body):
                sub = body[i]
                size, i = leb(body, i + 1)
                end = i + size
                if sub == 1:
                    count, j = leb(body, i)
                    for _ in range(count):
                        idx, j = leb(body, j)
                        ln, j = leb(body, j)
                        names[idx] = body[j : j + ln].decode("utf-8", "replace")
                        j += ln
                i = end
    total = sum(bodies)
    by_crate, by_symbol = Counter(), Counter()
    for k, size in enumerate(bodies):
        name = demangle(names.get(imports + k, "?"))
        if needle and needle not in name:
            continue
        inner = name.lstrip("<")
        crate = re.split(r"::| as |<", inner)[0]
        by_crate[crate] += size
        by_symbol[re.sub(r"::h[0-9a-f]{16}$", "", name)] += size
    print(f"file {len(data)} bytes, code {total} bytes in {len(bodies)} functions")
    for crate, size in by_crate.most_common(25):
        print(f"{size:>9} {100 * size / total:5.1f}%  {crate}")
    print()
    for sym, size in by_symbol.most_common(60):
        print(f"{size:>9}  {sym[:200]}")


main()
