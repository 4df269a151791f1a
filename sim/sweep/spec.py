"""Parameter sweeps: the sweep file's model, its resolution against the base scenario, and
the pure work of one chunk of experiments (no files, no printing: see ``sweep_store``,
``sweep_exec`` and ``sweep_cli``).

A sweep file (TOML; example: ``scenarios/sweeps/taiwan_2020_policy.toml``)::

    name = "my_sweep"
    base = "../taiwan_2020.toml"        # relative to this file
    seed = 2020                         # root seed of the design and of every experiment
    replications = 2                    # seeds per design point
    seeding = "common"                  # common random numbers: replication r of every point
                                        # shares a seed (default for sobol, full_factorial);
                                        # "per_experiment" (default for the random designs)
    chunk_size = 1000                   # experiments per part file (and per task)
    outcomes = ["min_fill_rate", ...]   # from sim.results.metrics.SCALARS (default: all);
                                        # "domestic_shortfall[kits]": one good's
    series = ["stock", "shipped"]       # daily donor series to keep (sim.engine.state.DONOR_SERIES)

    [design]
    kind = "sobol"                      # full_factorial | latin_hypercube | sobol | monte_carlo
    samples = 1024                      # points (sobol: base samples, a power of 2)
    levels = 3                          # full_factorial: values per continuous parameter

    [[parameters]]
    path = "reserve.days"               # a dotted path, as for --set
    uniform = [0, 60]                   # or integer / log_uniform = [lo, hi],
                                        # values = [...], distribution = "beta" + args = {..}
    # name = "..."; paths = [...] sets several fields to one value;
    # op = "scale" multiplies each field's base value instead of setting it;
    # role = "lever" | "uncertainty" (optional: read_sweep numbers the policies)

Experiment ``i`` is design point ``i // replications``, replication ``i % replications``.
Its seed is spawned from the sweep's root seed by index alone -
``SeedSequence(root, spawn_key=(i,))`` (or ``(replication,)`` with common random numbers) -
so a row never depends on chunking, executor or worker count. The design's own random
numbers come from ``SeedSequence(root)`` itself, which no experiment shares.

Each experiment is one validated scenario: the base scenario with the point's values set at
their dotted paths. Validation is cheap because only the models on the changed paths are
rebuilt from dicts; every untouched sub-model is passed to pydantic as the already-valid
instance it is. Experiments then run through the batch engine (``run_batches``), grouped by
structure; the LP backend is used only for scenarios that ask for it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator, model_validator

from sim.engine.plan import Plan
from sim.engine.state import DONOR_SERIES
from sim.results.batch import run_batches
from sim.results.metrics import (
    SCALARS,
    check_outcome,
    outcome_name,
    scope_words,
    split_outcome,
)
from sim.results.variants import RowError, override_blocks
from sim.scenario.enums import Backend
from sim.scenario.errors import InputError
from sim.scenario.overrides import Overrides, get_path
from sim.scenario.paths import Steps, parse_path
from sim.scenario.scalars import split_paths
from sim.scenario.scenario import Scenario
from sim.sweep.design import Design, DesignKind, Model, Op, Parameter, check_size, points

RESERVED = ("experiment", "replication", "seed")  # bookkeeping: stored with every row
READBACK = ("scenario", "policy")  # ids read_sweep adds (EMA Workbench's names)
_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*")


class Seeding(StrEnum):
    PER_EXPERIMENT = "per_experiment"  # every experiment its own seed
    COMMON = "common"  # replication r of every point shares a seed: common random numbers


def default_seeding(kind: DesignKind) -> Seeding:
    """Common random numbers where rows are compared with each other: a Sobol' design's A, B
    and AB_i rows (else outage and transit noise leaks into the indices, even into inputs
    that cannot cause an outcome) and a factorial grid's policies. Random designs sample
    the noise along with the inputs, so each experiment keeps its own seed."""
    return (Seeding.COMMON if kind in (DesignKind.SOBOL, DesignKind.FULL_FACTORIAL)
            else Seeding.PER_EXPERIMENT)


class Sweep(Model):
    """A sweep file: a base scenario, what varies, how points are drawn, what is kept."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", description="A short name "
                               "(letters, digits, _ - .): the result folder is named after it.",
                               examples=["reserve_sweep"])]
    description: str = Field("", description="What the sweep asks.",
                             examples=["How large a reserve is safe?"])
    base: Path = Field(description="The base scenario file, relative to the sweep file.",
                       examples=["../taiwan_2020.toml"])
    seed: Annotated[int, Field(ge=0, description="The root seed of the design and of every "
                               "experiment.", examples=[2020])] = 0
    replications: Annotated[int, Field(ge=1, description="Seeds per design point.",
                                       examples=[2])] = 1
    # unless given, default_seeding(design.kind)
    seeding: Seeding = Field(Seeding.PER_EXPERIMENT, description="common: replication r of "
                             "every point shares a seed (default for sobol and full_factorial);"
                             " per_experiment: each its own (default otherwise).",
                             examples=["common"])
    chunk_size: Annotated[int, Field(ge=1, le=1_000_000, description="Experiments per part file "
                                     "(and per task).", examples=[1000])] = 1000
    design: Design = Field(description="How points are drawn.",
                           examples=[{"kind": "sobol", "samples": 256}])
    parameters: Annotated[list[Parameter], Field(
        min_length=1, description="What varies, one table each.",
        examples=[[{"path": "reserve.days", "uniform": [0, 60]}]])]
    outcomes: list[str] = Field(list(SCALARS), description="The outcomes kept per experiment: "
                                + ", ".join(SCALARS) + "; one good's as name[good] (with "
                                "goods of several units a plain name counts the first good).",
                                examples=[["min_fill_rate", "domestic_shortfall[kits]"]])
    series: list[str] = Field([], description="Daily donor series kept: "
                              + ", ".join(DONOR_SERIES) + ".", examples=[["stock", "shipped"]])
    backend: Backend | None = Field(None, description="The allocator of every experiment "
                                    "(default: the base scenario's); compiled is the fastest.",
                                    examples=["compiled"])

    @field_validator("outcomes", mode="before")
    @classmethod
    def _current_names(cls, names: Any) -> Any:
        if isinstance(names, list):
            return [outcome_name(n) if isinstance(n, str) else n for n in names]
        return names

    @model_validator(mode="before")
    @classmethod
    def _seeding(cls, data: Any) -> Any:
        if isinstance(data, dict) and "seeding" not in data:
            design = data.get("design")
            kind = design.get("kind") if isinstance(design, dict) else getattr(design, "kind",
                                                                                None)
            if isinstance(kind, str) and kind in set(DesignKind):  # a list is not hashable
                data = {**data, "seeding": default_seeding(DesignKind(kind))}
        return data

    @model_validator(mode="after")
    def _checks(self) -> Sweep:
        check_size(self.design, self.parameters, self.replications)
        check_parameters(self.parameters,
                         [f"parameters[{i}]" for i in range(len(self.parameters))],
                         self.outcomes)
        for i, name in enumerate(self.outcomes):
            if (why := check_outcome(name, None)) is not None:  # goods: on the base
                raise ValueError(f"outcomes[{i}]: {why}")
            if name in self.outcomes[:i]:
                raise ValueError(f"outcomes[{i}]: {name!r} listed twice")
        for i, name in enumerate(self.series):
            if name not in DONOR_SERIES or name in self.series[:i]:
                raise ValueError(f"series[{i}]: unknown or repeated series {name!r} "
                                 f"(known: {', '.join(DONOR_SERIES)})")
        return self


class ExperimentError(Exception):
    """An experiment whose scenario does not validate; picklable (unlike InputError, whose
    constructor differs from its args), so it crosses process and Dask boundaries."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(source, field, message)

    def as_input_error(self) -> InputError:
        return InputError(*self.args)


@dataclass(frozen=True)
class Setter:
    """Where one parameter's value goes: its paths (in the one form), and each path's base
    value to scale."""

    label: str
    paths: tuple[Steps, ...]
    scale_base: tuple[float, ...] | None

    def changes(self, value: Any) -> list[tuple[Steps, Any]]:
        if self.scale_base is None:
            return [(p, value) for p in self.paths]
        return [(p, b * value) for p, b in zip(self.paths, self.scale_base, strict=True)]


def check_parameters(params: Sequence[Parameter], fields: Sequence[str],
                     taken: Sequence[str] = ()) -> None:
    """A file's parameters among themselves (``fields``: where each stands in the file):
    each path a dotted path set by one parameter only, each name one column, none of the
    result columns (bookkeeping, read-back ids, ``taken``). ValueError: the first that is
    not."""
    seen: set[str] = set()
    labels: list[str] = []
    for p, field in zip(params, fields, strict=True):
        for path in p.targets:
            if path in seen:
                raise ValueError(f"{field}.path: {path!r} is set by two parameters")
            seen.add(path)
        if p.label in labels:
            raise ValueError(f"{field}.name: duplicate column {p.label!r}")
        if p.label in RESERVED or p.label in READBACK or p.label in taken:
            raise ValueError(f"{field}.name: {p.label!r} is taken by a result column")
        for path in p.targets:
            if not _PATH.fullmatch(path):
                raise ValueError(f"{field}.path: not a dotted path: {path!r}")
        labels.append(p.label)


@dataclass(frozen=True)
class ChunkTask:
    """Experiments ``start`` .. ``stop - 1``: everything a worker needs, nothing it must read."""

    index: int
    start: int
    stop: int
    base: Scenario
    source: str
    setters: tuple[Setter, ...]
    columns: dict[str, NDArray[Any]]  # label -> value of each experiment of the chunk
    replications: int
    root_seed: int
    seeding: Seeding
    outcomes: tuple[str, ...]
    series: tuple[str, ...]
    per_row: bool = True  # False: a scenario built per distinct experiment (to compare)

    def override_columns(self) -> dict[Steps, NDArray[Any]]:
        """The chunk's values by the path they set (a parameter may set several paths, or
        scale each path's base value)."""
        columns: dict[Steps, NDArray[Any]] = {}
        for s in self.setters:
            values = np.asarray(self.columns[s.label])
            for j, steps in enumerate(s.paths):
                columns[steps] = values if s.scale_base is None else s.scale_base[j] * values
        return columns


@dataclass(frozen=True)
class ChunkResult:
    index: int
    columns: dict[str, NDArray[Any]]  # experiment, replication, seed, parameters, outcomes
    series: dict[str, NDArray[Any]] | None  # experiment, date, one column per series
    n_lp: int  # experiments that needed the LP backend
    seconds: float


def experiment_seeds(root: int, seeding: Seeding, start: int, stop: int,
                     replications: int) -> NDArray[np.uint64]:
    """The run seed of each experiment: the first 64-bit word of its spawned sequence."""
    keys = (range(start, stop) if seeding is Seeding.PER_EXPERIMENT
            else [i % replications for i in range(start, stop)])
    return np.array([np.random.SeedSequence(root, spawn_key=(k,)).generate_state(1, np.uint64)[0]
                     for k in keys], dtype=np.uint64)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value.value if isinstance(value, Enum) else value)


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk of experiments through the batch engine; pure apart from the clock.

    Parameters that set scalars on the plan are per-row values on one plan; the others
    build a scenario per distinct set of their values (``sim.results.variants``)."""
    started = time.perf_counter()
    index = np.arange(task.start, task.stop, dtype=np.int64)
    seeds = experiment_seeds(task.root_seed, task.seeding, task.start, task.stop,
                             task.replications)
    columns = task.override_columns()
    n_lp = 0

    def batches() -> Iterator[tuple[Sequence[int], Plan, Sequence[int], Backend]]:
        nonlocal n_lp
        try:
            for b in override_blocks(task.base, columns, len(index), source=task.source,
                                     per_row=task.per_row):
                n_lp += len(b.rows) if b.backend is Backend.LP else 0
                yield b.rows, b.plan, [int(seeds[i]) for i in b.rows], b.backend
        except RowError as exc:
            values = {label: col[exc.row] for label, col in task.columns.items()}
            point = ", ".join(f"{s.label}={_show(_plain(values[s.label]))}"
                              for s in task.setters)
            raise ExperimentError(task.source, f"experiment {int(index[exc.row])}",
                                  f"{point}: {exc.error.field}: {exc.error.message}") from None

    goods = [g for g in dict.fromkeys(split_outcome(n)[1] for n in task.outcomes) if g]
    out = run_batches(batches(), keep_series=bool(task.series), goods=goods)
    result: dict[str, NDArray[Any]] = {
        "experiment": index, "replication": index % task.replications, "seed": seeds,
        **task.columns,
        **{name: np.asarray(out.metrics[name], dtype=np.float64) for name in task.outcomes},
    }
    series = None
    if task.series and out.runs is not None:
        plan = out.runs[0].plan if out.runs else None
        n_days = plan.n_days if plan is not None else 0
        n_channels = plan.n_channels if plan is not None else 1
        start = np.datetime64(task.base.horizon.start, "D")
        # One row per experiment and day; with several goods or donors, per channel too.
        series = {
            "experiment": np.repeat(index, n_days * n_channels),
            "date": np.tile(start + np.arange(n_days), len(index) * n_channels),
            **{name: np.concatenate([r.series.donor[name].reshape(-1) for r in out.runs
                                     if r.series is not None]) for name in task.series},
        }
        if plan is not None and n_channels > 1:
            for column, ids, which in (("donor", plan.donor_ids, plan.channel_donor),
                                       ("good", plan.good_ids, plan.channel_good)):
                labels = np.array([ids[i] for i in which.tolist()])
                series[column] = np.tile(np.repeat(labels, n_days), len(index))
    return ChunkResult(task.index, result, series, n_lp, time.perf_counter() - started)


@dataclass(frozen=True)
class ResolvedSweep:
    """A sweep checked against its base scenario, with its design drawn."""

    sweep: Sweep
    base: Scenario
    source: str  # the sweep file, for messages
    setters: tuple[Setter, ...]
    points: dict[str, NDArray[Any]]  # label -> value at each design point

    @property
    def n_points(self) -> int:
        return len(next(iter(self.points.values())))

    @property
    def n_experiments(self) -> int:
        return self.n_points * self.sweep.replications

    @property
    def n_chunks(self) -> int:
        return -(-self.n_experiments // self.sweep.chunk_size)

    @property
    def may_need_lp(self) -> bool:
        """Whether some experiments may run with the LP backend (PuLP: far slower)."""
        lp_fields = ("allocation.backend", "allocation.min_shipment", "allocation.pallet_size")
        return self.base.allocation.backend is Backend.LP or any(
            t.startswith(lp_fields) for p in self.sweep.parameters for t in p.targets)

    def per_row(self) -> tuple[list[str], list[str]]:
        """The parameters set as per-row values on a plan built once, and those that build a
        scenario per experiment (changes of structure, or paths the fast path does not
        know: ``sim.scenario.scalars``), by label."""
        steps = {(i, j): p for i, s in enumerate(self.setters) for j, p in enumerate(s.paths)}
        fast, _ = split_paths(self.base, steps)
        on = [all((i, j) in fast for j in range(len(s.paths)))
              for i, s in enumerate(self.setters)]
        return ([s.label for s, f in zip(self.setters, on, strict=True) if f],
                [s.label for s, f in zip(self.setters, on, strict=True) if not f])

    def outcome_scope(self) -> str:
        """What the plain outcomes count when the base has several goods (empty for one, or
        when every outcome kept is one good's)."""
        if all(split_outcome(n)[1] for n in self.sweep.outcomes):
            return ""
        goods = self.base.goods
        return scope_words([g.unit for g in goods], [g.name or g.id for g in goods])

    def task(self, chunk: int, per_row: bool = True) -> ChunkTask:
        s = self.sweep
        start = chunk * s.chunk_size
        stop = min(start + s.chunk_size, self.n_experiments)
        at = np.arange(start, stop) // s.replications
        return ChunkTask(chunk, start, stop, self.base, self.source, self.setters,
                         {k: v[at] for k, v in self.points.items()}, s.replications, s.seed,
                         s.seeding, tuple(s.outcomes), tuple(s.series), per_row)

    def design_info(self) -> dict[str, Any]:
        s, d = self.sweep, self.sweep.design
        info: dict[str, Any] = {
            "kind": str(d.kind), "points": self.n_points, "replications": s.replications,
            "seeding": str(s.seeding),
            "layout": "experiment i = point i // replications, replication i % replications",
        }
        if d.kind is DesignKind.FULL_FACTORIAL:
            info["levels"] = {p.label: len(p.grid(d.levels)) for p in s.parameters}
        else:
            info["samples"] = d.samples
        if d.kind is DesignKind.SOBOL:
            info["saltelli"] = {
                "base_samples": d.samples, "dimensions": len(s.parameters),
                "rows_per_base_sample": len(s.parameters) + 2,
                "order": "A, AB_1 .. AB_k (A with column i from B), B",
                "calc_second_order": False,
            }
        return info


def _blame(setters: list[Setter], field: str) -> int | None:
    """The parameter whose path shares most of ``field`` (to name it in an error)."""
    want = parse_path(field)
    best, best_len = None, 0
    for i, setter in enumerate(setters):
        for steps in setter.paths:
            n = next((j for j, (a, b) in enumerate(zip(steps, want, strict=False)) if a != b),
                     min(len(steps), len(want)))
            if n > best_len:
                best, best_len = i, n
    return best


def make_setters(params: list[Parameter], base: Scenario, source: str,
                 fields: list[str]) -> list[Setter]:
    """Where each parameter's value goes in ``base``; InputError (``fields[i]``, the
    parameter's place in its file) for a path that names no field or a 'scale' of no
    number."""
    over = Overrides(base, source)
    setters: list[Setter] = []
    for i, p in enumerate(params):
        paths = []
        for text in p.targets:
            try:
                paths.append(over.steps(text))
            except InputError as exc:
                raise InputError(source, f"{fields[i]}.path",
                                 f"no field {text!r} in the base scenario "
                                 f"({exc.message})") from None
        scale = None
        if p.op is Op.SCALE:
            values = []
            for steps, text in zip(paths, p.targets, strict=True):
                try:
                    current = get_path(base, steps)
                except (KeyError, IndexError, AttributeError):  # an optional table left out
                    current = None
                if isinstance(current, bool) or not isinstance(current, int | float):
                    raise InputError(source, f"{fields[i]}.op", f"'scale' needs a number "
                                     f"at {text!r}, found {_show(current)}")
                values.append(float(current))
            scale = tuple(values)
        setters.append(Setter(p.label, tuple(paths), scale))
    return setters


def check_corners(params: list[Parameter], setters: list[Setter], base: Scenario,
                  source: str, fields: list[str]) -> None:
    """Try the corners of the parameters' ranges on ``base``: a value outside a field's
    bounds is an InputError naming the parameter (``fields[i]``) and the field.

    Corners set every parameter at once (low ends, middles, high ends; then each categorical
    value with the rest at their middles), so values that only make sense together (a
    ``share_of_surplus`` budget and its share) are checked together.
    """
    over = Overrides(base, source)
    probes = [p.probes() for p in params]
    corners = [[v[0] for v in probes], [v[len(v) // 2] for v in probes],
               [v[-1] for v in probes]]
    for i, p in enumerate(params):
        if p.values is not None:
            corners += [[*corners[1][:i], v, *corners[1][i + 1:]] for v in probes[i]]
    for corner in corners:
        changes = [c for st, v in zip(setters, corner, strict=True) for c in st.changes(v)]
        try:
            over.apply(changes)
        except InputError as exc:
            at = ", ".join(f"{p.label}={_show(v)}" for p, v in zip(params, corner, strict=True))
            who = _blame(setters, exc.field)
            field = ("parameters" if who is None
                     else f"{fields[who]}.{params[who].kind}")
            raise InputError(source, field, f"{exc.field}: {exc.message} (at {at})") from None


def resolve(sweep: Sweep, base: Scenario, source: str) -> ResolvedSweep:
    """Check every parameter path against ``base``, try the corners, draw the design."""
    for i, name in enumerate(sweep.outcomes):
        if (why := check_outcome(name, base.good_ids)) is not None:
            raise InputError(source, f"outcomes[{i}]", why)
    params = sweep.parameters
    fields = [f"parameters[{i}]" for i in range(len(params))]
    setters = make_setters(params, base, source, fields)
    check_corners(params, setters, base, source, fields)
    design_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(sweep.seed)))
    return ResolvedSweep(sweep, base, source, tuple(setters),
                         points(sweep.design, params, design_rng))
