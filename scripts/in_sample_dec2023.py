"""The in-sample table of issue 12 for caravan-2023: December 2023 against what was recorded.

    .venv/bin/python scripts/in_sample_dec2023.py [--scenario FILE] [--policy P] [--seed N] [--cbp DIR]

Runs the built-in scenario in memory and prints, beside the recorded figure: each Border
Patrol sector's share of December's encounters and the total (the CBP file, read at run
time), December's port processing (52,249 OFO encounters), CBP One appointments a day (the
1,450 quota) and the people waiting in the Mexican border cities on 27 December (>11,000,
UPI: those staying in the cities and those queueing at the ports, who wait on the Mexican
side), with the days each port was closed or partly closed. Figures: border-2023.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

import borderflow
from borderflow.metrics.sector_months import score_sector_months
from borderflow.record import cbp_folder
from borderflow.record.observed import sector_record

PORTS_DEC_2023 = 52_249  # OFO encounters, Southwest ports, December 2023 (border-2023.md, H)
QUOTA = 1_450  # CBP One appointments a day from 30 Jun 2023 (H)
WAITING_27_DEC = 11_000  # ">11,000 waiting in shelters and camps on the Mexican side", UPI 27 Dec 2023 (M)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="caravan-2023", help="a scenario file like caravan-2023 (default: it)")
    ap.add_argument("--policy", default=None, help="policy package (default: the scenario's)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--cbp", type=Path, default=None, help="folder of CBP files (default as `validate`)")
    args = ap.parse_args()
    sc = borderflow.load_scenario(args.scenario)
    record = sector_record(sc, cbp_folder(args.cbp))
    r = borderflow.run(sc, seed=args.seed, policy=args.policy)
    b = r.border
    assert b is not None
    assert sc.sector_observations is not None
    dates = r.dates
    dec = np.array([d.year == 2023 and d.month == 12 for d in dates])
    a = b.arrays
    months = score_sector_months(dates, a["sector_encounters"], b.sectors, sc.sector_observations.sectors, record)
    i = months.months.index("2023-12")
    sim, obs = months.simulated[i], months.observed[i]
    print(f"caravan-2023, policy {r.policy}, seed {r.seed}: December 2023 against the record")
    print(f"{'':34}{'simulated':>12}{'recorded':>12}")
    for j, s in enumerate(months.sectors):
        print(f"  share {s:<28}{sim[j] / sim.sum():>11.1%}{obs[j] / obs.sum():>12.1%}")
    print(f"  {'sector-share dissimilarity':<32}{months.share_dissimilarities()[i]:>12.3f}")
    print(f"  {'Border Patrol encounters':<32}{sim.sum():>12,.0f}{obs.sum():>12,.0f}")
    ports = a["port_processed"][dec].sum()
    print(f"  {'port processing':<32}{ports:>12,.0f}{PORTS_DEC_2023:>12,}")
    appt = a["port_appointments"][dec].sum(axis=1).mean()
    print(f"  {'CBP One appointments a day':<32}{appt:>12,.0f}{QUOTA:>12,}")
    day = dates.index(dt.date(2023, 12, 27))
    in_cities, queues = a["city_population"][day].sum(), a["port_queue"][day].sum()
    waiting = in_cities + queues
    print(f"  {'waiting in border cities 27 Dec':<32}{waiting:>12,.0f}{'>' + format(WAITING_27_DEC, ','):>12}")
    print(f"    {'staying in the cities':<30}{in_cities:>12,.0f}")
    print(f"    {'of whom registered':<30}{a['city_waiting'][day].sum():>12,.0f}")
    print(f"    {'queueing at the ports':<30}{queues:>12,.0f}")
    print("port days closed (c) or partly closed (p), Dec-Jan:")
    full = a["port_closed"].astype(bool)
    for j, p in enumerate(b.ports):
        partial = (~full[:, j]) & (a["port_capacity_factor"][:, j] < 1)
        if full[:, j].any() or partial.any():
            print(f"  {p:<20} c {_spans(dates, full[:, j])}  p {_spans(dates, partial)}")


def _spans(dates: list[dt.date], on: np.ndarray) -> str:
    out, start = [], None
    for t, flag in enumerate([*on.tolist(), False]):
        if flag and start is None:
            start = t
        if not flag and start is not None:
            out.append(f"{dates[start]:%d %b}-{dates[t - 1]:%d %b}")
            start = None
    return ", ".join(out) or "-"


if __name__ == "__main__":
    main()
