"""Every csv/yml file of every FabFlee folder, damaged three ways, read and run: no traceback.

    python scripts/damage_sweep.py [--corpus ../shared/scenarios/fabflee]

For each folder, each of its .csv/.yml files and each damage (cut short mid-row, emptied, one
byte that is not UTF-8), a copy of the folder with that one file damaged is read and run for 5
days at hasten 100 by the suite's ``run_folder``. A case passes when reading either succeeds or
raises ScenarioError with one line that says what was expected, and the run's status is one of
the suite's statuses. Prints the counts and every failing case; exit 1 if any failed.
tests/test_flee_corpus.py runs a rotating sample of these on every `make test`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

from borderflow.report.suite import run_folder
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.flee_folder import read_flee_folder

DAMAGES = {
    "cut-short": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
    "latin-1": lambda data: data.replace(b"a", "\u00e4".encode("latin-1"), 1),
}
STATUSES = ("ran", "not a scenario", "unsupported", "bad input")


def check(folder: Path, rel: str, damage: str, work: Path) -> str | None:
    """None when the damaged copy behaves, else what went wrong."""
    copy = work / folder.name
    if copy.exists():
        shutil.rmtree(copy)  # our own scratch copy in a fresh temporary folder
    shutil.copytree(folder, copy)
    path = copy / rel
    path.write_bytes(DAMAGES[damage](path.read_bytes()))
    try:
        try:
            read_flee_folder(copy)
        except ScenarioError as exc:
            line = exc.one_line()
            if "\n" in line or "expected" not in line:
                return f"error message: {line!r}"
        row = run_folder(copy, hasten=100, max_days=5)
        if row.status != "ran" and row.status.split(":")[0] not in STATUSES:
            return f"status: {row.status}"
    except Exception:
        return "traceback: " + traceback.format_exc().strip().splitlines()[-1]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/scenarios/fabflee")
    args = parser.parse_args(argv)
    folders = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    counts: Counter[str] = Counter()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for folder in folders:
            files = sorted(
                str(p.relative_to(folder))
                for p in folder.rglob("*")
                if p.is_file() and p.suffix in (".csv", ".yml", ".yaml")
            )
            for rel in files:
                for damage in DAMAGES:
                    problem = check(folder, rel, damage, work)
                    counts["failed" if problem else "passed"] += 1
                    if problem:
                        failures.append(f"{folder.name}/{rel} {damage}: {problem}")
            print(f"{folder.name}: {len(files)} files x {len(DAMAGES)} damages", file=sys.stderr, flush=True)
    print(f"{len(folders)} folders, {sum(counts.values())} cases: {counts['passed']} passed, {counts['failed']} failed")
    for line in failures:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
