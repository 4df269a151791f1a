"""Run and sweep folders for the report and CLI tests, made through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.cli.main import main
from sim.results.metrics import SCALARS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def make_run(folder: Path, *overrides: str) -> Path:
    sets = [a for o in overrides for a in ("--set", o)]
    assert main(["run", str(SCENARIOS / "taiwan_2020.toml"), *sets, "--out", str(folder),
                 "-q"]) == 0
    return folder


def make_sweep(folder: Path, replications: int = 5, sensitivity: bool = True) -> Path:
    """A small sweep folder in the agreed format: a grid over the reserve and the outage
    rate, two rules, several replications; outcomes follow the levers plus noise."""
    rng = np.random.default_rng(7)
    rows = []
    experiment = 0
    for days in (0.0, 3.0, 7.0, 14.0, 30.0):
        for prob in (0.0, 0.02, 0.05):
            for rule in ("proportional", "maxmin"):
                for rep in range(replications):
                    noise = rng.normal()
                    donated = 4e8 - 8e6 * days - 1e9 * prob + 5e6 * noise
                    out = {k: float(abs(rng.normal(1e8, 1e7))) for k in SCALARS}
                    out.update(donated_total=donated, delivered_total=0.97 * donated,
                               domestic_demand=1.2e9,
                               domestic_shortfall=max(0.0, 2e7 * prob * (10 - days) + 1e6 * noise),
                               gini_fill_rate=(0.1 if rule == "maxmin" else 0.35) + 0.02 * noise,
                               mean_fill_rate=0.3 + donated / 2e9, min_fill_rate=0.05 + 0.01 * days)
                    rows.append({"experiment": experiment, "replication": rep,
                                 "seed": 1000 * experiment + rep, "reserve.days": days,
                                 "donor.outages.daily_probability": prob,
                                 "allocation.rule": rule, **out})
                experiment += 1
    df = pd.DataFrame(rows)
    (folder / "experiments").mkdir(parents=True)
    half = len(df) // 2
    for i, part in enumerate((df.iloc[:half], df.iloc[half:])):
        part.to_parquet(folder / "experiments" / f"part-{i:05d}.parquet", index=False)
    (folder / "sweep.toml").write_text('scenario = "scenarios/taiwan_2020.toml"\n')
    (folder / "provenance.json").write_text(json.dumps({"version": "0.1.0", "seed": 99}))
    if sensitivity:
        sens = [{"outcome": o, "parameter": p, "method": "sobol", "first": f, "total": t,
                 "srrc": ""}
                for o in ("donated_total", "domestic_shortfall")
                for p, (f, t) in {"reserve.days": (0.6, 0.7), "allocation.rule": (0.05, 0.1),
                                  "donor.outages.daily_probability": (0.2, 0.25)}.items()]
        sens += [{"outcome": "mean_fill_rate", "parameter": p, "method": "regression",
                  "first": "", "total": "", "srrc": v}
                 for p, v in {"reserve.days": -0.8,
                              "donor.outages.daily_probability": 0.3}.items()]
        pd.DataFrame(sens).to_csv(folder / "sensitivity.csv", index=False)
    return folder
