"""The `corridors:` block of caravan-2023, fitted from the CBP record through November 2023.

    .venv/bin/python scripts/fit_caravan_corridors.py [--through 2023-11] [--cbp DIR]

Prints YAML to paste over the scenario's `corridors:` block (tests/test_caravan_2023.py
checks the scenario still holds what this prints). The steps, all on the record read at run
time (../shared/data/cbp, or --cbp):
1. `monthly.corridors.fit_corridors` on the 24 months to --through: P(sector | citizenship
   group) by NNLS of each sector's monthly encounters on the eight largest citizenship groups'
   (and the rest), the sector and citizenship series counting the same Southwest encounters.
2. The scenario's two origin groups: Mexican nationals are the record's "Mexico" row; the
   others are the other rows weighted by their encounters in the month --through.
3. Each sector's share goes to the Mexican border city (or cities, split equally: a modelling
   assumption) whose crossings lead into it (SECTOR_CITIES). Mexicali leads to both El Centro
   and Yuma, so those two sectors' shares both go there and the route rules split them.
Nothing of December 2023 is read: the December sector split the run produces is in sample
but not fitted to it (scripts/in_sample_dec2023.py measures it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from borderflow.monthly.corridors import Corridors, fit_corridors
from borderflow.monthly.series import MonthlySeries
from borderflow.network.graph import FloatArray
from borderflow.record import cbp_folder, read_citizenship, read_sectors

# the record's sector -> the border cities of caravan-2023 whose crossings lead into it
SECTOR_CITIES: dict[str, tuple[str, ...]] = {
    "San Diego, CA": ("Tijuana",),
    "El Centro, CA": ("Mexicali",),
    "Yuma, AZ": ("Mexicali",),
    "Tucson, AZ": ("Sonoyta", "Nogales", "Agua Prieta"),
    "El Paso, TX": ("Ciudad Juarez",),
    "Big Bend, TX": ("Ojinaga",),
    "Del Rio, TX": ("Ciudad Acuna", "Piedras Negras"),
    "Laredo, TX": ("Nuevo Laredo",),
    "Rio Grande Valley, TX": ("Reynosa", "Matamoros"),
}
# the scenario's origin groups: its departures' places (Mexican nationals set out in central Mexico)
ORIGINS = {
    "Mexican nationals": ("Guadalajara", "Irapuato", "Puebla"),
    "non-Mexican nationals": ("Tapachula", "Villahermosa", "Mexico City"),
}
MEXICO = "Mexico"


def fitted(through: str, cbp: Path | None) -> tuple[Corridors, dict[str, FloatArray], pd.Period]:
    """The corridors and each scenario group's P(sector), from the record up to `through`."""
    last = pd.Period(through, freq="M")
    folder = cbp_folder(cbp)
    sectors = MonthlySeries.from_frame(read_sectors(folder, through=last))
    citizenship = MonthlySeries.from_frame(read_citizenship(folder, through=last), "citizenship", absent_is_zero=True)
    cor = fit_corridors(sectors, citizenship)
    counts = {name: float(citizenship.counts[-1, i]) for i, name in enumerate(citizenship.sectors)}
    top = [g for g in cor.groups if g != "other"]
    weights = np.array([counts.get(g, 0.0) for g in top] + [sum(v for k, v in counts.items() if k not in top)])
    mexican = np.array([g == MEXICO for g in cor.groups])
    others = np.where(mexican, 0.0, weights)
    groups = {
        "Mexican nationals": cor.matrix[mexican][0],
        "non-Mexican nationals": others @ cor.matrix / others.sum(),
    }
    return cor, groups, last


def block(through: str, cbp: Path | None) -> str:
    cor, groups, last = fitted(through, cbp)
    start = last - 23
    lines = ["corridors:"]
    for group, p in groups.items():
        to: dict[str, float] = {}
        for j, sector in enumerate(cor.sectors):
            cities = SECTOR_CITIES[sector]
            for city in cities:
                to[city] = to.get(city, 0.0) + float(p[j]) / len(cities)
        shares = {c: round(s, 4) for c, s in to.items() if round(s, 4) > 0}
        excess = sum(shares.values()) - 1.0
        if excess > 0:  # rounding: take it off the largest so the shares add up to at most 1
            big = max(shares, key=lambda c: shares[c])
            shares[big] = round(shares[big] - excess, 4)
        lines.append(f"  - group: {group}")
        lines.append(f"    origins: [{', '.join(ORIGINS[group])}]")
        lines.append("    corridors:")
        lines += [f"      - {{to: {c}, share: {s}}}" for c, s in shares.items()]
        weighting = (
            "the Mexico row of the record"
            if group == "Mexican nationals"
            else f"the other citizenship rows weighted by their encounters in {last}"
        )
        lines.append(
            f"    source: 'fitted: P(sector | citizenship) by NNLS of the CBP monthly Border Patrol encounters by sector on "
            f"those by citizenship, Southwest, {start} to {last} (usbp-monthly-by-sector and -by-citizenship in "
            f"../shared/data/cbp, H; fitted split off by {cor.fit_error:.3f} share dissimilarity on average over the "
            f"window); this group: {weighting}; the share of each sector to the border city or cities leading into it, "
            "split equally between two or three (modelling assumption, L); generated by "
            "scripts/fit_caravan_corridors.py'"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--through", default="2023-11", help="last month of the record the fit reads (YYYY-MM)")
    ap.add_argument("--cbp", type=Path, default=None, help="folder of CBP files (default as `validate`)")
    args = ap.parse_args()
    print(block(args.through, args.cbp))


if __name__ == "__main__":
    main()
