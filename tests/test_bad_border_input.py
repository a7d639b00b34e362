"""Bad input for the border parts gets the same one-line errors (exit 2) as the core."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from test_bad_input import Case, assert_one_line_error, native, run_cli

BASE = {
    "name": "border-bad",
    "start_date": "2024-01-01",
    "days": 10,
    "places": [
        {"name": "South", "kind": "town", "country": "MX"},
        {"name": "City", "kind": "border_city", "country": "MX"},
        {"name": "Port", "kind": "port", "country": "US"},
        {"name": "Sector", "kind": "sector", "country": "US"},
    ],
    "routes": [
        {"a": "South", "b": "City", "distance_km": 100},
        {"a": "City", "b": "Port", "distance_km": 5},
        {"a": "City", "b": "Sector", "distance_km": 20},
    ],
    "border": {
        "ports": [{"place": "Port", "city": "City", "sector": "Sector", "processing_per_day": 10}],
        "sectors": [{"place": "Sector", "processing_per_day": 100}],
        "appointments_per_day": 50,
    },
    "caravans": [{"name": "c", "leaves": "South", "date": "2024-01-02", "size": 100, "route": ["South", "City"]}],
    "policies": {"p": [{"type": "appointment_quota", "factor": 0.5}]},
}


def _yaml(**change: object) -> str:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    for path, value in change.items():
        node = data
        keys = path.split("/")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return yaml.safe_dump(data, sort_keys=False)


CASES = [
    Case(
        "port-with-no-sector",
        native(_yaml(**{"border/sectors": []})),
        "scenario.yaml",
        "border.ports[0].sector",
        "no entry in border.sectors",
    ),
    Case(
        "port-sector-unknown",
        native(_yaml(**{"border/ports/0/sector": "Nowhere"})),
        "scenario.yaml",
        "border.ports[0].sector",
        "unknown place 'Nowhere'",
    ),
    Case(
        "quota-below-zero",
        native(_yaml(**{"border/appointments_per_day": -1})),
        "scenario.yaml",
        "border.appointments_per_day",
        "-1",
    ),
    Case(
        "caravan-unknown-place",
        native(_yaml(**{"caravans/0/leaves": "Atlantis", "caravans/0/route": ["Atlantis", "City"]})),
        "scenario.yaml",
        "caravans[0].leaves",
        "unknown place 'Atlantis'",
    ),
    Case(
        "overlapping-contradictory-quotas",
        native(
            _yaml(
                **{
                    "policies/p": [
                        {"type": "appointment_quota", "factor": 0.5},
                        {"type": "appointment_quota", "factor": 2.0, "start": "2024-01-05"},
                    ]
                }
            )
        ),
        "scenario.yaml",
        "policies.p[1]",
        "overlaps policies.p[0]",
    ),
    Case(
        "policy-unknown-caravan",
        native(_yaml(**{"policies/p": [{"type": "dissolve_caravan", "caravan": "x", "start": "2024-01-03"}]})),
        "scenario.yaml",
        "policies.p[0].caravan",
        "unknown caravan 'x'",
    ),
]


def test_the_base_scenario_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = native(_yaml())(tmp_path)
    code, _out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_border_input_is_one_clear_line(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.build(tmp_path)
    code, out, err = run_cli(monkeypatch, capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, out, err, case)
