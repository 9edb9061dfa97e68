#!/usr/bin/env python3
"""The s1-style reference of `bin/distill bench`: what s1's own data scripts do, single-threaded,
standard library only (python3 >= 3.9).

    python3 bench/python/s1_reference.py SPEC.json
    python3 bench/python/s1_reference.py '{"ngram": 8, "sources": [...], "eval_sets": [...]}'

Phases, each timed:
  read      every file of every source, in order; the question text of each record
  decontam  the eval questions' n-grams (lowercase, whitespace tokens); a candidate sharing any
            n-gram with an eval question is removed
  dedup     exact: a candidate whose normalised question (lowercase, whitespace collapsed) was
            already seen is removed

The spec is written by the Java side from the pipeline config (BenchCommand / ReferenceSpec):

    {"ngram": 8,
     "sources":   [{"name": "math/test", "files": ["/data/pool/math/test.jsonl"], "format": "auto",
                    "records": null, "question": "problem"}, ...],
     "eval_sets": [{"name": "math500", "files": [...], "format": "auto", "records": null,
                    "question": "problem"}, ...]}

`question` is a dotted path (`other.text`, `items[0]`, `parts[*]`). `format` is auto, jsonl, json
or csv; auto goes by extension and content as distill's ingest does (a .json file may hold an
array, an object holding the array at `records` or in its only list of objects, or JSON Lines).

Prints one JSON line: seconds per phase, rows read, rows removed per phase, total seconds, the
Python version. Exit 2 on a bad spec, 3 on an unreadable file, naming it.
"""

import csv
import json
import os
import platform
import re
import sys
import time

_PATH_PART = re.compile(r"([^.\[\]]+)((?:\[(?:-?\d+|\*)\])*)")
_INDEX = re.compile(r"\[(-?\d+|\*)\]")


class BadInput(Exception):
    """A file that cannot be read as records: the message names it and the line."""


def fail(code, message):
    print("s1_reference: " + message, file=sys.stderr)
    sys.exit(code)


def load_spec(arg):
    try:
        if arg.lstrip().startswith("{"):
            return json.loads(arg)
        with open(arg, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(2, "cannot read the spec %s: %s; pass a JSON file or a JSON object (see --help)" % (arg[:80], e))


def parse_path(text):
    """`a.b[0]` -> [("a", []), ("b", ["0"])]."""
    steps = []
    for part in text.split("."):
        m = _PATH_PART.fullmatch(part.strip())
        if not m:
            raise ValueError("invalid field path %r (write a dotted path such as other.text or items[0])" % text)
        steps.append((m.group(1).strip(), _INDEX.findall(m.group(2))))
    return steps


def resolve(record, steps):
    nodes = [record]
    for name, indexes in steps:
        nodes = [n[name] for n in nodes if isinstance(n, dict) and name in n]
        for index in indexes:
            if index == "*":
                nodes = [e for n in nodes if isinstance(n, list) for e in n]
            else:
                i = int(index)
                nodes = [n[i] for n in nodes if isinstance(n, list) and -len(n) <= i < len(n)]
    return nodes


def as_text(value):
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        parts = [t for t in (as_text(v) for v in value) if t]
        return ", ".join(parts) if parts else None
    text = str(value).strip()
    return text or None


def question_of(record, steps, fans_out):
    texts = [t for t in (as_text(n) for n in resolve(record, steps)) if t]
    if not texts:
        return None
    return "\n\n".join(texts) if fans_out else texts[0]


def records_of(path, fmt, records_path):
    """The records (dicts) of one file, in file order."""
    ext = os.path.splitext(path)[1].lower()
    if fmt == "auto":
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}.get(ext, "json")
    try:
        if fmt == "csv":
            with open(path, encoding="utf-8-sig", newline="") as f:
                return list(csv.DictReader(f))
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise BadInput("cannot read %s: %s" % (path, e))
    if fmt == "jsonl":
        return json_lines(path, text)
    if fmt != "json":
        raise BadInput("cannot read %s: format %r is not one of auto, jsonl, json, csv" % (path, fmt))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data":  # JSON Lines saved as .json
            return json_lines(path, text)
        raise BadInput("cannot read %s: line %d column %d: %s" % (path, e.lineno, e.colno, e.msg))
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)]
    if isinstance(doc, dict):
        if records_path:
            found = resolve(doc, parse_path(records_path))
            if not found or not isinstance(found[0], list):
                raise BadInput("cannot read %s: no array of records at %r" % (path, records_path))
            return [r for r in found[0] if isinstance(r, dict)]
        lists = [v for v in doc.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        return lists[0] if len(lists) == 1 else [doc]
    raise BadInput("cannot read %s: the document is not an array or an object" % path)


def json_lines(path, text):
    out = []
    # split on \n alone: str.splitlines() also breaks at U+2028, U+0085 and others, which JSON strings may hold
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput("cannot read %s: line %d: %s" % (path, n, e.msg))
        if isinstance(record, dict):
            out.append(record)
    return out


def questions(entries, what):
    """Every question of every file of `entries`, in order, and the number of records without one."""
    out = []
    missing = 0
    for i, entry in enumerate(entries):
        try:
            question = entry["question"]
            files = entry["files"]
            steps = parse_path(question)
        except (KeyError, TypeError, ValueError) as e:
            fail(2, "%s[%d] (%s): %s; each needs files (a list) and question (a field path)"
                 % (what, i, entry.get("name", "?") if isinstance(entry, dict) else "?", e))
        fans_out = "[*]" in question
        for path in files:
            for record in records_of(path, entry.get("format", "auto"), entry.get("records")):
                q = question_of(record, steps, fans_out)
                if q is None:
                    missing += 1
                else:
                    out.append(q)
    return out, missing


def ngrams(text, n):
    words = text.lower().split()
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def normalised(text):
    return " ".join(text.lower().split())


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) == 2 else 2
    spec = load_spec(argv[1])
    n = spec.get("ngram", 8)
    if not isinstance(n, int) or n < 1:
        fail(2, "ngram must be a whole number of at least 1, not %r" % (n,))
    start = time.perf_counter()
    try:
        t = time.perf_counter()
        pool, missing = questions(spec.get("sources", []), "sources")
        read_s = time.perf_counter() - t

        t = time.perf_counter()
        evals, eval_missing = questions(spec.get("eval_sets", []), "eval_sets")
    except BadInput as e:
        fail(3, str(e))
    eval_grams = set()
    for q in evals:
        eval_grams |= ngrams(q, n)
    clean = [q for q in pool if ngrams(q, n).isdisjoint(eval_grams)]
    decontam_s = time.perf_counter() - t

    t = time.perf_counter()
    seen = set()
    kept = 0
    for q in clean:
        key = normalised(q)
        if key not in seen:
            seen.add(key)
            kept += 1
    dedup_s = time.perf_counter() - t
    total_s = time.perf_counter() - start

    rows = len(pool) + missing
    print(json.dumps({
        "reference": "s1-style: read, %d-gram decontamination, exact dedup; one thread" % n,
        "python": platform.python_version(),
        "rows_read": rows,
        "rows_out": kept,
        "phases": [
            {"phase": "read", "seconds": round(read_s, 3), "rows_in": rows, "rows_out": len(pool),
             "removed": missing, "removed_reason": "no question text"},
            {"phase": "decontam", "seconds": round(decontam_s, 3), "rows_in": len(pool), "rows_out": len(clean),
             "removed": len(pool) - len(clean), "eval_questions": len(evals), "eval_records_without_question": eval_missing,
             "eval_ngrams": len(eval_grams)},
            {"phase": "dedup", "seconds": round(dedup_s, 3), "rows_in": len(clean), "rows_out": kept,
             "removed": len(clean) - kept},
        ],
        "total_seconds": round(total_s, 3),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
