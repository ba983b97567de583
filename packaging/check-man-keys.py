#!/usr/bin/env python3
"""Every key of the configuration reference is documented in s3-upload-signer.yaml(5).

    check-man-keys.py REFERENCE.yaml PAGE.5[.gz]

REFERENCE is conf/s3-upload-signer.yaml (installed as examples/s3-upload-signer.yaml): each key
in it, commented or not, must appear in bold in the page. The names it defines (the credentials
and profiles of its example) are not keys. Prints the missing keys and exits 1 if there are any.
"""
import gzip
import re
import sys

reference, page = sys.argv[1], sys.argv[2]
keys, names, section = set(), set(), None
for line in open(reference, encoding="utf-8"):
    # A section may be commented out as a whole ("# authenticators:"), its entries with it.
    top = re.match(r"^(?:# )?([a-z_][a-z0-9_]*):$", line) or re.match(r"^([a-z_][a-z0-9_]*):", line)
    if top:
        section = top.group(1)
    named = re.match(r"^(?:  |#   )([A-Za-z0-9_.-]+):", line)
    if named and section in ("credentials", "profiles", "authenticators"):
        names.add(named.group(1))
        continue
    key = re.match(r"^[ #]*([a-z][a-z0-9_]*):(?: |$)", line)
    if key:
        keys.add(key.group(1))
opener = gzip.open if page.endswith(".gz") else open
with opener(page, "rt", encoding="utf-8") as f:
    text = f.read()
documented = set(re.findall(r"(?m)^\.BR? ([a-z_][a-z0-9_]*)", text))
documented |= set(re.findall(r"\\fB([a-z_][a-z0-9_]*)\\f", text))
missing = sorted(keys - names - documented)
print(f"{len(keys - names)} keys in {reference}; missing in {page}: {', '.join(missing) or 'none'}")
sys.exit(1 if missing else 0)
