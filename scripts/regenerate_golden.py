"""Regenerate the golden baselines in tests/golden/ (fixed seed -> stored summary).

Run after an intended change of behaviour (`make golden`), review the diff, commit it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from golden_cases import CASES, summarise  # noqa: E402


def main() -> None:
    out = REPO / "tests" / "golden"
    out.mkdir(exist_ok=True)
    for name, make in CASES.items():
        scenario, seed = make()
        if scenario is None:
            print(f"skipped {name}: its input is not available here")
            continue
        path = out / f"{name}.json"
        path.write_text(json.dumps(summarise(scenario, seed), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
