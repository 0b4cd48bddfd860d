"""Encoder benchmark: asgiweb's renderers against FastAPI's path, pydantic and a floor.

Run: ``.venv/bin/python benchmarks/bench_encoder.py [--quick]`` (about 25 s, no pytest).

Payloads: (a) ``{"message": "Hello, World!"}``; (b) 20 records, each a
dataclass with a UUID, an aware datetime, a Decimal, 3 tags and a nested
dataclass holding a date (``/encoded`` in ``benchmarks/app_asgiweb.py``); (c) about 1 MB of
the same records.

Contenders, interleaved round by round, medians reported:
- ``asgiweb render_json``: what JSONResponse sends;
- ``fastapi jsonable+dumps``: FastAPI's dict path, ``jsonable_encoder`` then
  ``json.dumps`` as Starlette's JSONResponse.render does;
- ``pydantic dump_json``: ``TypeAdapter(list[RecordModel]).dump_json`` on
  equivalent pydantic models built beforehand (``price`` typed float, since
  pydantic writes a Decimal as a string);
- ``floor``: a hand-written conversion to plain dicts, then ``json.dumps``;
- ``orjson.dumps``: orjson with a Decimal->float default;
- ``asgiweb render_orjson`` / ``render_ujson``.

Every contender's output is checked before timing: byte-identical to the
FastAPI path for render_json and the floor, the same parsed JSON for the rest.
The records use a +02:00 offset so pydantic's "Z" spelling of UTC does not
get in the way of that check.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asgiweb.encoders import render_json, render_orjson, render_ujson


@dataclasses.dataclass
class Inner:
    day: datetime.date


@dataclasses.dataclass
class Record:
    id: uuid.UUID
    created: datetime.datetime
    price: Decimal
    tags: list[str]
    inner: Inner


TZ = datetime.timezone(datetime.timedelta(hours=2))


def make_records(count: int) -> list[Record]:
    base = datetime.datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=TZ)
    return [
        Record(
            id=uuid.UUID(int=(i * 2654435761) % (1 << 128)),
            created=base + datetime.timedelta(seconds=i * 37),
            price=Decimal(f"{i % 1000}.{i % 100:02d}"),
            tags=[f"tag{i % 7}", "ünïcode", f"t{i}"],
            inner=Inner(day=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 365)),
        )
        for i in range(count)
    ]


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def floor(records: Any) -> bytes:
    if isinstance(records, dict):
        return _dumps(records)
    return _dumps(
        [
            {
                "id": str(r.id),
                "created": r.created.isoformat(),
                "price": float(r.price),
                "tags": r.tags,
                "inner": {"day": r.inner.day.isoformat()},
            }
            for r in records
        ]
    )


def build_contenders(make: Callable[[], Any]) -> dict[str, Callable[[], bytes]]:
    """Each contender gets its own payload from ``make()``: what one contender does
    to the objects must not slow another down.  (orjson's own dataclass writer reads
    each record's ``__dict__``, which makes CPython build a real dict for an
    instance that kept its attributes inline: every later attribute load of those
    records was ~20% slower for every other contender, 18.7 -> 21.5 µs for
    render_orjson on (b).)"""
    payload = make()
    floor_payload = make()
    contenders: dict[str, Callable[[], bytes]] = {
        "asgiweb render_json": lambda: render_json(payload),
        "floor (hand dicts+dumps)": lambda: floor(floor_payload),
    }
    try:
        from fastapi.encoders import jsonable_encoder as fastapi_encoder

        fastapi_payload = make()
        contenders["fastapi jsonable+dumps"] = lambda: _dumps(fastapi_encoder(fastapi_payload))
    except ImportError:
        print("fastapi not installed: skipping its path")
    try:
        import orjson

        def decimal_default(obj: Any) -> Any:
            if isinstance(obj, Decimal):
                return float(obj)
            raise TypeError

        orjson_payload, ours = make(), make()
        contenders["orjson.dumps"] = lambda: orjson.dumps(orjson_payload, default=decimal_default)
        contenders["asgiweb render_orjson"] = lambda: render_orjson(ours)
    except ImportError:
        print("orjson not installed: skipping it")
    try:
        import ujson  # noqa: F401

        ujson_payload = make()
        contenders["asgiweb render_ujson"] = lambda: render_ujson(ujson_payload)
    except ImportError:
        print("ujson not installed: skipping it")
    try:
        import pydantic

        if isinstance(payload, dict):
            adapter: Any = pydantic.TypeAdapter(dict[str, str])
            models: Any = payload
        else:

            class InnerModel(pydantic.BaseModel):
                day: datetime.date

            class RecordModel(pydantic.BaseModel):
                id: uuid.UUID
                created: datetime.datetime
                price: float
                tags: list[str]
                inner: InnerModel

            adapter = pydantic.TypeAdapter(list[RecordModel])
            models = [
                RecordModel(
                    id=r.id,
                    created=r.created,
                    price=float(r.price),
                    tags=r.tags,
                    inner=InnerModel(day=r.inner.day),
                )
                for r in payload
            ]
        contenders["pydantic dump_json"] = lambda: adapter.dump_json(models)
    except ImportError:
        print("pydantic not installed: skipping it")
    return contenders


def check(contenders: dict[str, Callable[[], bytes]]) -> None:
    expected = contenders.get("fastapi jsonable+dumps", contenders["floor (hand dicts+dumps)"])()
    parsed = json.loads(expected)
    for name, run in contenders.items():
        out = run()
        if name in ("asgiweb render_json", "floor (hand dicts+dumps)"):
            assert out == expected, f"{name}: bytes differ from FastAPI's"
        else:
            assert json.loads(out) == parsed, f"{name}: JSON value differs from FastAPI's"


def bench(label: str, make: Callable[[], Any], rounds: int, budget: float) -> None:
    contenders = build_contenders(make)
    check(contenders)
    # Calibrate: each timed sample runs long enough (~budget s) to beat the clock.
    loops: dict[str, int] = {}
    for name, run in contenders.items():
        start = time.perf_counter()
        run()
        once = max(time.perf_counter() - start, 1e-7)
        loops[name] = max(1, int(budget / once))
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    order = list(contenders)
    rng = random.Random(99)
    for _ in range(rounds):
        rng.shuffle(order)  # interleaved, in a new order each round
        for name in order:
            run = contenders[name]
            n = loops[name]
            start = time.perf_counter()
            for _ in range(n):
                run()
            samples[name].append((time.perf_counter() - start) / n * 1e6)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ours = medians["asgiweb render_json"]
    size = len(contenders["asgiweb render_json"]())
    print(f"\n{label}: {size} bytes, {rounds} rounds, median µs per render")
    print(f"  {'contender':<26}{'µs':>12}{'x render_json':>15}")
    for name, value in sorted(medians.items(), key=lambda item: item[1]):
        print(f"  {name:<26}{value:>12.2f}{value / ours:>15.2f}")
    if "fastapi jsonable+dumps" in medians:
        speedup = medians["fastapi jsonable+dumps"] / ours
        print(f"  render_json is {speedup:.1f}x faster than FastAPI's path")
    print(f"  render_json / floor = {ours / medians['floor (hand dicts+dumps)']:.2f}")
    if "pydantic dump_json" in medians and "asgiweb render_orjson" in medians:
        # per round, both ran within milliseconds of each other: a burst of other
        # load on the machine hits both, so the median of these ratios is steadier
        ratios = [
            a / b
            for a, b in zip(
                samples["asgiweb render_orjson"], samples["pydantic dump_json"], strict=True
            )
        ]
        q = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [min(ratios), 0, max(ratios)]
        print(
            f"  render_orjson / pydantic dump_json = {statistics.median(ratios):.2f} "
            f"(median of per-round ratios, IQR {q[0]:.2f}-{q[2]:.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    quick = parser.parse_args().quick
    started = time.perf_counter()
    rounds = 3 if quick else 31
    bench("(a) hello", lambda: {"message": "Hello, World!"}, rounds=rounds, budget=0.01)
    bench("(b) 20 records", lambda: make_records(20), rounds=rounds, budget=0.02)
    one_mb = 1_000_000 // len(render_json(make_records(1))) + 1
    bench(
        f"(c) {one_mb} records", lambda: make_records(one_mb), rounds=rounds // 2 + 1, budget=0.05
    )
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
