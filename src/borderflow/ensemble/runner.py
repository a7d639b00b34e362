"""Running an ensemble: design the members, run them on an executor, stream them to disk."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from borderflow import __version__, interrupts
from borderflow.ensemble.design import Design, sample, systematic
from borderflow.ensemble.executors import Executor, SerialExecutor
from borderflow.ensemble.members import Member, Series, member_scenario, run_member, run_members
from borderflow.ensemble.store import (
    finished,
    member_path,
    read_manifest,
    record_files,
    remove_leftovers,
    write_manifest,
    write_member,
)
from borderflow.results.folder import OutputFolder, claim
from borderflow.scenario import load_scenario
from borderflow.scenario.errors import ScenarioError, short_repr
from borderflow.scenario.limits import MAX_MEMBERS, MAX_SEED
from borderflow.scenario.model import Scenario

ParameterSets = list[tuple[dict[str, float], float]]  # values by path, and a weight


def plan(
    scenario: Scenario,
    n: int,
    design: Design = "lhs",
    seed: int | None = None,
    parameter_sets: ParameterSets | None = None,
) -> list[Member]:
    """Member i gets seed base + i and the i-th design row; with `parameter_sets` (a
    calibration's accepted sets and their weights), also one set, drawn in proportion to the
    weights (systematic resampling seeded by the base seed)."""
    base = scenario.seed if seed is None else seed
    values = sample(scenario.uncertain, n, design, base)
    paths = [p.path for p in scenario.uncertain]
    members = [Member(i, base + i, {p: float(values[i, j]) for j, p in enumerate(paths)}) for i in range(n)]
    if parameter_sets:
        drawn = systematic([w for _, w in parameter_sets], n, base)
        members = [
            Member(m.index, m.seed, {**m.values, **parameter_sets[k][0]}) for m, k in zip(members, drawn, strict=True)
        ]
    check_extremes(scenario, members)
    return members


def check_extremes(scenario: Scenario, members: list[Member]) -> None:
    """Fail before running anything if the smallest or largest value drawn for a parameter
    makes a scenario the model rejects (a ScenarioError naming the member and the path)."""
    if not members or not scenario.uncertain:
        return
    data = scenario.model_dump(mode="json")
    for p in scenario.uncertain:
        column = [m.values[p.path] for m in members]
        for k in {int(np.argmin(column)), int(np.argmax(column))}:
            member_scenario(data, Member(members[k].index, members[k].seed, {p.path: column[k]}))


def run_ensemble(
    scenario: Scenario | str | Path,
    n: int,
    out: str | Path | OutputFolder,
    *,
    policy: str | None = None,
    design: Design = "lhs",
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    parameter_sets: ParameterSets | None = None,
    chunk: int | None = None,
) -> Path:
    """Run (or resume) an ensemble of n members into `out` (a path, checked against the output
    policy, or a folder already claimed); returns the folder. `chunk`: members per task of the
    executor (default: `chunk_size` of the members left); the outputs do not depend on it."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)  # a file, a Flee folder or a built-in name
    if not isinstance(out, OutputFolder):
        with claim(out) as folder:
            return run_ensemble(
                scenario,
                n,
                folder,
                policy=policy,
                design=design,
                seed=seed,
                executor=executor,
                progress=progress,
                parameter_sets=parameter_sets,
                chunk=chunk,
            )
    path = out.path
    # the package actually run: None = the scenario's default_policy; "none" = no package
    policy = scenario.package(policy, "--policy") or "none"
    _check_size(n, seed)
    members = plan(scenario, n, design, seed, parameter_sets)
    interrupts.check()  # planning can take seconds (imports); a pool may be recording Ctrl-C
    write_manifest(
        path,
        {
            "borderflow_version": __version__,
            "scenario": scenario.name,
            "scenario_hash": scenario.content_hash(),
            "scenario_data": scenario.model_dump(mode="json"),
            "policy": policy,
            "design": design,
            "base_seed": members[0].seed if members else seed,
            "n": n,
            "parameters": [{"path": p.path, "label": p.label} for p in scenario.uncertain],
            "parameter_sets": parameter_sets and [{"values": v, "weight": w} for v, w in parameter_sets],
            "members": [{"index": m.index, "seed": m.seed, "values": m.values} for m in members],
        },
    )
    remove_leftovers(path)
    done = finished(path)
    todo = [m for m in members if m.index not in done]
    executor = executor or SerialExecutor()
    fn = functools.partial(run_members, scenario.model_dump(mode="json"), policy)
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"chunk {chunk!r}; expected a whole number of members per task, at least 1")
    size = chunk_size(len(todo)) if chunk is None else chunk
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    count = len(done)
    if progress:
        progress(count, n)
    for results in executor.imap_unordered(fn, chunks):
        for index, series in results:
            write_member(path, index, series)
            count += 1
            if progress:
                progress(count, n)
        interrupts.check()  # a Ctrl-C swallowed where it landed (e.g. a __del__) stops here
    record_files(path, [member_path(path, m.index).relative_to(path).as_posix() for m in members])
    return path


def chunk_size(members: int) -> int:
    """Members per task: 1 for small ensembles (members written as each ends), up to 8 for large
    ones, always at least 16 tasks a worker for 2 workers so the last tasks end close together."""
    return max(1, min(8, members // 64))


def _check_size(n: object, seed: object) -> None:
    """n and the base seed as whole numbers within the limits, checked before any work."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_MEMBERS:
        raise ScenarioError(None, "n", f"{short_repr(n)}; expected a whole number of members from 1 to {MAX_MEMBERS}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED - n):
        raise ScenarioError(None, "seed", f"{short_repr(seed)}; expected a whole number from 0 to {MAX_SEED - n}")


def rerun_member(manifest: str | Path | dict[str, Any], index: int) -> Series:
    """Run member `index` of an ensemble again, alone, from its manifest (a dict, the file or its folder)."""
    if isinstance(manifest, dict):
        m = manifest
    else:
        path = Path(manifest)
        m = read_manifest(path.parent if path.is_file() else path)
    if not 0 <= index < len(m["members"]):
        raise ScenarioError(None, "--member", f"{index}; expected a member between 0 and {len(m['members']) - 1}")
    rec: dict[str, Any] = m["members"][index]
    member = Member(int(rec["index"]), int(rec["seed"]), {k: float(v) for k, v in rec["values"].items()})
    return run_member(m["scenario_data"], m["policy"], member)[1]
