"""Run Flee 3.1 on one Flee scenario folder and write its daily camp series as JSON.

Run by the Python of the Flee venv (see ``bench/flee-requirements.txt``), never by the
project's own interpreter::

    .venv-flee/bin/python bench/flee_driver.py FOLDER OUT.json [--hasten N] [--seed N]
                                               [--demographics]

It drives Flee 3.1 the way FabFlee's ``run.py`` for Flee 3.x does, on a temporary copy of
the folder (the shared folder is never written to):

* Flee 3.1 reads ``input_csv/conflict_period.csv``; the folders have ``sim_period.csv``
  (same content), so the copy gets a ``conflict_period.csv``.
* The copy's ``simsetting.yml`` is the scenario's own, with ``log_levels`` agent, link and
  camp set to 0 (Flee's per-agent logging costs it 25-40% of its time and changes no
  count) and ``optimisations.hasten`` replaced when ``--hasten`` is given.
* Flee draws from the global ``random`` and ``numpy.random`` and seeds neither; ``--seed``
  seeds both so that a run can be repeated.
* Flee reads settings with silent defaults; the output lists the keys of the folder's
  ``simsetting.yml`` that Flee 3.1 never read (``unread_settings``), so that a run under
  rules Flee does not have is not taken for a like-for-like one.
* The working directory is the copy, as under FabFlee. Flee reads optional
  ``input_csv/demographics_*.csv`` files relative to it and draws age, gender and
  ethnicity for every agent with pandas; no rule of these folders' settings reads them,
  yet the draws take ~40% of Flee's time on mali2012. Like the logging, they are left
  out (removed from the copy) unless ``--demographics`` is given.

Counts in the output are in people (Flee's agent counts x hasten), as borderflow reports them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import memory

try:
    from flee import InputGeography, flee, spawning
    from flee.datamanager import handle_refugee_data, read_period
    from flee.SimulationSettings import SimulationSettings
except ImportError as exc:  # pragma: no cover - depends on the interpreter used
    sys.exit(f"flee_driver.py needs Flee 3.1 (bench/flee-requirements.txt): {exc}")

QUIET_LOGS = ("agent", "link", "camp")


def prepare_copy(folder: Path, work: Path, hasten: int | None, demographics: bool) -> None:
    """Copy ``folder`` to ``work`` and adapt the copy for Flee 3.1."""
    shutil.copytree(folder, work)
    if not demographics:
        for path in (work / "input_csv").glob("demographics_*.csv"):
            path.unlink()
    period = work / "input_csv" / "conflict_period.csv"
    if not period.exists():
        shutil.copyfile(work / "input_csv" / "sim_period.csv", period)

    settings_path = work / "simsetting.yml"
    settings: dict[str, Any] = {}
    if settings_path.exists():
        settings = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
    logs = settings.get("log_levels") or {}
    logs.update(dict.fromkeys(QUIET_LOGS, 0))
    settings["log_levels"] = logs
    optimisations = settings.get("optimisations") or {}
    if hasten is not None:
        optimisations["hasten"] = hasten
    settings["optimisations"] = optimisations
    settings_path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def observed_names(layout: Path) -> list[str]:
    """Places named in ``data_layout.csv``, in file order, without the ``total`` row."""
    with layout.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if len(row) > 1 and not row[0].startswith("#")]
    return [row[0].strip() for row in rows if row[0].strip() != "total"]


def unread_keys(node: dict[Any, Any], prefix: str, read: set[tuple[int, str]]) -> list[str]:
    """Dotted keys of ``node`` (and of the sections Flee read) that Flee never asked for."""
    found = []
    for key, value in node.items():
        path = f"{prefix}{key}"
        if (id(node), key) not in read:
            found.append(path)
        elif isinstance(value, dict):
            found += unread_keys(value, path + ".", read)
    return found


def read_settings(path: Path) -> list[str]:
    """Load ``path`` into Flee's settings; return the keys Flee 3.1 never read.

    Flee reads every key through its module's ``fetchss(section, key, default)``; a
    recording wrapper notes each (section, key) asked for while ``ReadFromYML`` runs.
    """
    module = sys.modules[SimulationSettings.__module__]
    original = module.fetchss
    asked: list[tuple[Any, str]] = []  # holds each section, so that its id stays its own

    def recording(section: Any, key: str, default: Any) -> Any:
        asked.append((section, key))
        return original(section, key, default)

    module.fetchss = recording
    try:
        SimulationSettings.ReadFromYML(str(path))
    finally:
        module.fetchss = original
    root = asked[0][0] if asked else None  # Flee's first read is of the whole file
    if not isinstance(root, dict):
        return []
    return unread_keys(root, "", {(id(section), key) for section, key in asked})


def run_flee(work: Path) -> dict[str, Any]:
    """Build the Flee 3.1 ecosystem from ``work`` (the current directory) and run it."""
    setup_start = time.perf_counter()
    unread = read_settings(work / "simsetting.yml")
    hasten = int(SimulationSettings.optimisations["PopulationScaleDownFactor"])
    start_date, days = read_period.read_conflict_period(str(work / "input_csv" / "conflict_period.csv"))
    SimulationSettings.ConflictInputFile = str(work / "input_csv" / "conflicts.csv")

    ecosystem = flee.Ecosystem()
    geography = InputGeography.InputGeography()
    geography.ReadConflictInputCSV(SimulationSettings.ConflictInputFile)
    geography.ReadLocationsFromCSV(str(work / "input_csv" / "locations.csv"))
    geography.ReadLinksFromCSV(str(work / "input_csv" / "routes.csv"))
    geography.ReadClosuresFromCSV(str(work / "input_csv" / "closures.csv"))
    ecosystem, by_name = geography.StoreInputGeographyInEcosystem(ecosystem)

    data = handle_refugee_data.RefugeeTable(
        csvformat="generic",
        data_directory=str(work / "source_data"),
        start_date=start_date,
        data_layout="data_layout.csv",
        population_scaledown_factor=hasten,
    )
    data.ReadL1Corrections(str(work / "input_csv" / "registration_corrections.csv"))

    # A data_layout.csv row naming no location (car's Bossobolo) has no simulated count:
    # FabFlee never scores it either, as it reports camps only.
    listed = observed_names(work / "source_data" / "data_layout.csv")
    # A place listed twice (syria2022_2024's) is scored once, as borderflow scores it.
    names = [name for name in dict.fromkeys(listed) if name in by_name]
    unknown = [name for name in listed if name not in by_name]
    if unknown:
        print(f"flee_driver: not scored, not in locations.csv: {unknown}", file=sys.stderr)
    for camp in ecosystem.get_camp_names():
        spawning.add_initial_refugees(ecosystem, data, by_name[camp])
    setup_seconds = time.perf_counter() - setup_start

    sim: dict[str, list[int]] = {name: [] for name in names}
    obs: dict[str, list[int]] = {name: [] for name in names}
    agent_steps = 0
    loop_start = time.perf_counter()
    for day in range(days):
        geography.AddNewConflictZones(ecosystem, day)
        spawning.spawn_daily_displaced(ecosystem, day, data)
        spawning.refresh_spawn_weights(ecosystem)
        ecosystem.enact_border_closures(day)
        ecosystem.evolve()
        agent_steps += ecosystem.numAgents()
        for name in names:
            sim[name].append(int(by_name[name].numAgents) * hasten)
            obs[name].append(int(data.get_field(name, day)) * hasten)
    loop_seconds = time.perf_counter() - loop_start

    return {
        "days": days,
        "hasten": hasten,
        "setup_seconds": setup_seconds,
        "loop_seconds": loop_seconds,
        "agent_steps": agent_steps,
        "final_agents": ecosystem.numAgents(),
        "unscored_places": unknown,
        "unread_settings": unread,
        "sim": sim,
        "obs": obs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Flee scenario folder")
    parser.add_argument("out", type=Path, help="output JSON path")
    parser.add_argument("--hasten", type=int, default=None, help="override optimisations.hasten")
    parser.add_argument("--seed", type=int, default=None, help="seed random and numpy.random")
    parser.add_argument("--demographics", action="store_true", help="keep input_csv/demographics_*.csv (as FabFlee)")
    args = parser.parse_args(argv)

    folder = args.folder.resolve()
    out = args.out.resolve()
    rss_start_kb = memory.rss_kb()
    if args.seed is not None:
        random.seed(args.seed)
        np.random.seed(args.seed)  # noqa: NPY002 - Flee draws from the global legacy generator

    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="flee-bench-") as tmp:
        work = Path(tmp) / folder.name
        prepare_copy(folder, work, args.hasten, args.demographics)
        os.chdir(work)
        try:
            result = run_flee(work)
        finally:
            os.chdir(here)

    result = {
        "tool": "flee",
        "flee_version": "3.1",
        "scenario": folder.name,
        "seed": args.seed,
        "demographics": args.demographics,
        "rss_start_kb": rss_start_kb,
        "peak_rss_kb": memory.peak_rss_kb(),
        **result,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
