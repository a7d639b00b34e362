"""Generate docs/scenario-reference.md from the scenario schema, so the docs cannot drift.

`make docs` rewrites it; tests/test_docs.py fails when it is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from borderflow.scenario.reference import render_reference

OUT = Path(__file__).resolve().parent.parent / "docs" / "scenario-reference.md"


def main() -> int:
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(render_reference())
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
