#!/usr/bin/env python3
"""Ranks the image repositories that the shared corpus and real projects use
(../shared/corpus, ../shared/realworld): for each repository named by a
service's `image:` (tag and digest cut, `docker.io/` and `library/` cut), the
number of distinct projects (source repository + the Compose file's folder)
and of Compose files using it. Prints TSV rows, most used first.

    scripts/most-used-images.py [SHARED_DIR] > counts.tsv

rules/images/sources/most-pulled.tsv is made from this ranking (see its
header): Docker Hub's own pull counts cannot be read here.
"""
import collections, os, re, sys
import yaml

shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared")
projects = collections.defaultdict(set)
files = collections.Counter()
for tree in ("corpus", "realworld"):
    base = os.path.join(shared, tree)
    with open(os.path.join(base, "MANIFEST.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        col = {h: i for i, h in enumerate(head)}
        for line in f:
            r = line.rstrip("\n").split("\t")
            if r[col["kind"]] != "compose" or r[col["duplicate_of"]]:
                continue
            try:
                doc = yaml.safe_load(open(os.path.join(base, r[col["local_path"]])))
            except Exception:
                continue
            services = doc.get("services") if isinstance(doc, dict) else None
            if not isinstance(services, dict):
                continue
            seen = set()
            for s in services.values():
                img = s.get("image") if isinstance(s, dict) else None
                if not isinstance(img, str) or "$" in img or (isinstance(s, dict) and "build" in s):
                    continue
                name = img.split("@")[0]
                # Cut the tag (a colon after the last slash).
                last = name.rsplit("/", 1)
                if ":" in last[-1]:
                    name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
                name = re.sub(r"^(docker\.io/|index\.docker\.io/|registry-1\.docker\.io/)", "", name.lower())
                name = re.sub(r"^library/", "", name)
                if not name or name in seen:
                    continue
                seen.add(name)
                files[name] += 1
                projects[name].add((r[col["source_repo"]], os.path.dirname(r[col["original_path"]])))
rows = sorted(files, key=lambda n: (-len(projects[n]), -files[n], n))
print("repository\tprojects\tfiles")
for n in rows:
    print(f"{n}\t{len(projects[n])}\t{files[n]}")
