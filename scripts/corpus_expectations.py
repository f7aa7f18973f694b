#!/usr/bin/env python3
"""Compare compose-lint with the corpus's own verdicts (shared/corpus/MANIFEST.tsv).

For every Compose file and inline snippet, lints it with the release binary
(`--root` the corpus, so relative references resolve as in the source
repositories) and checks the `expected_valid` column:

- `valid`, `valid(test-fixture)`, `presumed-valid(real-project)` (and the
  docker/cli `valid(... stack/v3 loader)` rows): no loader error (S0xx);
- `invalid...`: at least one error from any check.

Prints a count per (expected_valid, agrees) and then every disagreement.
Usage: cargo build --release && scripts/corpus_expectations.py [CORPUS_DIR]
"""
import collections
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "target", "release", "compose-lint")
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "corpus")
corpus = os.path.abspath(corpus)

rows = list(csv.DictReader(open(os.path.join(corpus, "MANIFEST.tsv")), delimiter="\t"))
counts = collections.Counter()
disagreements = []
for r in rows:
    if r["kind"] not in ("compose", "inline-test-snippet"):
        continue
    path = r["project_copy"] or r["local_path"]
    out = subprocess.run(
        [BIN, "--format", "json", "--color", "never", "--root", corpus, os.path.join(corpus, path)],
        capture_output=True, text=True,
    )
    diags = json.loads(out.stdout)["diagnostics"] if out.stdout else []
    expected = r["expected_valid"]
    if expected.startswith("invalid"):
        errors = [d for d in diags if d["severity"] == "error"]
        agrees = bool(errors)
    else:
        errors = [d for d in diags if d["severity"] == "error" and d["code"][1] == "0"]
        agrees = not errors
    counts[(expected, agrees)] += 1
    if not agrees and expected != "unknown":
        what = "; ".join(
            "%s %d:%d %s" % (d["code"], d["start"]["line"], d["start"]["column"], d["message"][:100])
            for d in errors[:2]
        ) or "no error"
        disagreements.append("%s\t%s\t%s" % (expected, path, what))

for (expected, agrees), n in sorted(counts.items()):
    print("%-45s %-8s %4d" % (expected, "agrees" if agrees else "differs", n))
print()
print("\n".join(disagreements))
