"""Smoke tests for the benchmark suite: a broken benchmark app or driver fails CI.

Each app answers every endpoint once through the in-process driver the benchmark uses;
FastAPI is only imported when it is installed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import inprocess  # noqa: E402
from benchmarks.http_load import parse_wrk  # noqa: E402
from benchmarks.records import ENDPOINTS, RECORDS, Endpoint, reference_json  # noqa: E402

Message = dict[str, Any]


def _answers_everything(name: str) -> None:
    for ep in ENDPOINTS.values():
        if not ep.apps or name in ep.apps:
            problem = inprocess.run(inprocess.check_endpoint(name, ep, timeout=10))
            assert problem is None, problem


def test_raw_app_answers_every_endpoint() -> None:
    _answers_everything("raw")


def test_asgiweb_app_answers_every_endpoint() -> None:
    _answers_everything("asgiweb")


def test_fastapi_apps_answer_every_endpoint() -> None:
    pytest.importorskip("fastapi")
    _answers_everything("fastapi")
    _answers_everything("fastapi-model")


def test_reference_body_is_fastapis_encoding() -> None:
    encoders = pytest.importorskip("fastapi.encoders")
    assert reference_json(encoders.jsonable_encoder(RECORDS)) == ENDPOINTS["encoded"].expected


def test_routing_bench_apps_answer_their_targets() -> None:
    from benchmarks import bench_routing

    for n in bench_routing.SIZES:
        app = bench_routing.asgiweb_app(n)
        for ep in bench_routing.targets(n).values():
            ex = inprocess.run(inprocess.call(app, ep, timeout=10))
            assert ex.problem(ep) is None, ex.problem(ep)


async def _wrong_body(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"Hello, World?"})


async def _never_finishes(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"Hello, World!", "more_body": True})


@pytest.mark.parametrize(
    ("app", "reason"), [(_wrong_body, "body"), (_never_finishes, "before completing")]
)
def test_measure_rejects_a_wrong_answer(app: inprocess.ASGIApp, reason: str) -> None:
    case = inprocess.Case(("broken", "plaintext"), app, ENDPOINTS["plaintext"])
    cells = inprocess.run(inprocess.measure([case], rounds=1, target_s=0.001))
    error = cells["broken", "plaintext"].error
    assert error is not None and reason in error


def test_measure_times_a_right_answer() -> None:
    from benchmarks.app_raw import app

    cases = [inprocess.Case(("raw", name), app, ENDPOINTS[name]) for name in ("plaintext", "put")]
    cells = inprocess.run(inprocess.measure(cases, rounds=2, target_s=0.001))
    for cell in cells.values():
        assert cell.error is None and cell.us > 0 and len(cell.samples) == 2


def test_receive_blocks_until_the_response_is_complete() -> None:
    """A disconnect watcher must see http.disconnect only after the last body message."""
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["asgi"]["spec_version"] == "2.3"
        assert (await receive())["type"] == "http.request"

        async def watch() -> None:
            seen.append((await receive())["type"])

        watcher = asyncio.ensure_future(watch())
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"Hello, ", "more_body": True})
        await asyncio.sleep(0)
        seen.append("last body")
        await send({"type": "http.response.body", "body": b"World!"})
        await asyncio.wait_for(watcher, 5)

    ex = inprocess.run(inprocess.call(app, ENDPOINTS["plaintext"], timeout=10))
    assert ex.problem(ENDPOINTS["plaintext"]) is None
    assert seen == ["last body", "http.disconnect"]


def test_records_check_accepts_same_values_in_another_spelling() -> None:
    from benchmarks.records import check_response

    ep: Endpoint = ENDPOINTS["encoded"]
    assert ep.expected.count(b'"price":10,') == 1
    as_string = ep.expected.replace(b'"price":10,', b'"price":"10.00",')  # pydantic's spelling
    assert check_response(ep, 200, "application/json", as_string) is None
    other_price = ep.expected.replace(b'"price":10,', b'"price":11,')
    assert check_response(ep, 200, "application/json", other_price) is not None
    assert check_response(ep, 500, "application/json", ep.expected) is not None
    assert check_response(ep, 200, "text/plain", ep.expected) is not None


WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:8000/plaintext
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  {p99}   10.00ms   90.00%
  Latency Distribution
     50%    1.40ms
     75%    1.60ms
     90%    1.90ms
     99%    {p99}
  120000 requests in 3.00s, 15.00MB read
{extra}Requests/sec:  40000.12
Transfer/sec:      5.00MB
"""


@pytest.mark.parametrize(
    ("p99", "extra", "want_ms", "want_errors", "want_timeouts"),
    [
        ("850.00us", "", 0.85, 0, 0),
        ("3.21ms", "", 3.21, 0, 0),
        ("1.50s", "  Non-2xx or 3xx responses: 7\n", 1500.0, 7, 0),
        ("2.00ms", "  Socket errors: connect 0, read 3, write 1, timeout 2\n", 2.0, 4, 2),
    ],
)
def test_parse_wrk(
    p99: str, extra: str, want_ms: float, want_errors: int, want_timeouts: int
) -> None:
    result = parse_wrk(WRK_OUTPUT.format(p99=p99, extra=extra))
    assert result.rps == pytest.approx(40000.12)
    assert result.p99_ms == pytest.approx(want_ms)
    assert result.errors == want_errors
    assert result.timeouts == want_timeouts


def test_parse_wrk_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def _inproc_cells(asgiweb_us: float) -> dict[tuple[str, str], inprocess.Cell]:
    """raw at 1 µs, FastAPI at 40 µs (dict) and 50 µs (model), asgiweb as given."""
    cells = {}
    for ep in ENDPOINTS:
        for app, us in (("raw", 1.0), ("asgiweb", asgiweb_us), ("fastapi", 40.0)):
            cells[app, ep] = inprocess.Cell(us=us)
        cells["fastapi-model", ep] = inprocess.Cell(us=50.0)
    return cells


def test_targets_are_judged_against_the_faster_fastapi_path() -> None:
    from benchmarks.report import targets

    met = {t.text: t.met for t in targets(_inproc_cells(2.0), None, None)}
    assert met["in-process plaintext: asgiweb <= 2.0x raw"] is True
    assert met["in-process encoded: asgiweb <= 1.2x raw"] is False
    assert met["in-process json: asgiweb >= 10x faster than FastAPI"] is True  # 40 / 2
    assert met["in-process deps: asgiweb <= 2x its own items route"] is True  # 2 / 2
    assert met["in-process deps: asgiweb <= 1/10 of FastAPI's time"] is True  # 2 / 40
    assert met["in-process model: asgiweb below FastAPI's fastest path"] is True
    assert not any("json-sync: asgiweb <=" in text and "raw" in text for text in met)
    met = {t.text: t.met for t in targets(_inproc_cells(4.5), None, None)}
    assert met["in-process json: asgiweb >= 10x faster than FastAPI"] is False  # 40 / 4.5
    assert met["in-process put: asgiweb <= 2.0x raw"] is False
    assert met["in-process stream: asgiweb <= 1.8x raw"] is False
    assert met["in-process deps: asgiweb <= 1/10 of FastAPI's time"] is False  # 4.5 / 40
    slow_deps = _inproc_cells(2.0)
    slow_deps["asgiweb", "deps"].us = 4.5
    met = {t.text: t.met for t in targets(slow_deps, None, None)}
    assert met["in-process deps: asgiweb <= 2x its own items route"] is False  # 4.5 / 2
    broken = _inproc_cells(2.0)
    broken["asgiweb", "json"].error = "wrong body"
    met = {t.text: t.met for t in targets(broken, None, None)}
    assert met["in-process json: asgiweb <= 2.0x raw"] is None


def test_http_and_import_targets() -> None:
    from benchmarks.http_load import HttpCell
    from benchmarks.import_cost import ImportCell
    from benchmarks.report import targets

    rps = {"raw": 40_000.0, "asgiweb": 36_000.0, "fastapi": 8_000.0, "fastapi-model": 9_500.0}
    http = {"httptools": {(a, ep): HttpCell(rps=v) for a, v in rps.items() for ep in ENDPOINTS}}
    imports = {
        "asgiweb": ImportCell(import_ms=40, rss_mib=19),
        "starlette": ImportCell(import_ms=60, rss_mib=25),
        "fastapi": ImportCell(import_ms=200, rss_mib=41),
    }
    met = {t.text: t.met for t in targets(None, http, imports)}
    assert met["httptools json: asgiweb >= 90% of raw req/s"] is True  # 90%
    assert met["httptools json: asgiweb >= 4x FastAPI req/s"] is False  # 36k / 9.5k
    assert met["import time <= 1/4 of FastAPI's"] is True
    assert met["import time below Starlette's"] is True
    assert met["peak RSS after import <= 1/2 of FastAPI's"] is True


def test_run_writes_its_tables(tmp_path: Path) -> None:
    # In a process of its own, as make bench runs it (and away from the test run's
    # heap, which its garbage collections before every batch would walk).
    out = tmp_path / "results.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--quick",
            "--only",
            "routing",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=50,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "## Routing: 10 vs 1,000 routes" in text
    assert "| asgiweb static |" in text and "error" not in text


def test_charts_from_a_tiny_fake_result_set(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from benchmarks import run
    from benchmarks.http_load import HttpCell
    from benchmarks.inprocess import Cell

    apps = ["raw", "asgiweb", "fastapi", "fastapi-model"]
    us = {"raw": 2.0, "asgiweb": 3.5, "fastapi": 60.0, "fastapi-model": 55.0}
    inproc = {(a, ep): Cell(us=us[a] * (i + 1)) for a in apps for i, ep in enumerate(ENDPOINTS)}
    inproc["fastapi", "json"].error = "wrong body"  # a failed cell is left out, not drawn as 0
    rps = {"raw": 20_000.0, "asgiweb": 17_000.0, "fastapi": 4_000.0, "fastapi-model": 4_500.0}
    http = {
        "httptools": {(a, ep): HttpCell(rps=rps[a]) for a in apps for ep in ("plaintext", "json")},
        "h11": {(a, "plaintext"): HttpCell(rps=rps[a] / 2) for a in apps},
    }
    summary = run.Summary(
        inprocess=inproc,
        http=http,
        http_endpoints={"httptools": ["plaintext", "json"], "h11": ["plaintext"]},
    )
    lines = run.charts(summary, tmp_path)
    assert lines == [
        "![µs per request, in-process](inprocess.png)",
        "",
        "![requests per second over HTTP](http.png)",
        "",
    ]
    for name in ("inprocess.png", "http.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000
    # nothing measured: no chart, no link
    assert run.charts(run.Summary(), tmp_path / "none") == []


def test_http_comparisons_are_medians_of_per_round_ratios() -> None:
    from benchmarks.http_load import HttpCell, WrkResult, iqr, summarise
    from benchmarks.report import http_tables

    def result(rps: float) -> WrkResult:
        return WrkResult(rps=rps, p99_ms=1.0, errors=0, timeouts=0)

    # five rounds; outside load halves everything in round 3, which the ratio shrugs off
    raw = [10_000.0, 10_000.0, 5_000.0, 10_000.0, 10_000.0]
    mine = [9_000.0, 9_200.0, 4_500.0, 8_800.0, 9_000.0]
    cells = {("raw", "json"): HttpCell(), ("asgiweb", "json"): HttpCell()}
    for r, m in zip(raw, mine, strict=True):
        cells["raw", "json"].samples.append(result(r))
        cells["raw", "json"].ratios.append(1.0)
        cells["asgiweb", "json"].samples.append(result(m))
        cells["asgiweb", "json"].ratios.append(m / r)
    summarise(cells)
    ours = cells["asgiweb", "json"]
    assert ours.rps == 9_000.0
    assert ours.ratio == pytest.approx(0.9)
    assert ours.ratio_iqr == pytest.approx(iqr([0.9, 0.92, 0.9, 0.88, 0.9]))
    assert iqr([1.0, 2.0]) == 1.0 and iqr([]) != iqr([])  # nan for no data
    text = http_tables("httptools", cells, ["raw", "asgiweb"], ["json"])
    assert "| json | 90% (IQR 0 pts) |" in text


def test_the_function_middleware_contract_floor_answers_and_is_tabled() -> None:
    # In a process of its own (see test_run_writes_its_tables); the driver checks every
    # row's answer (status, type, body, the x-process header) before timing it.
    done = subprocess.run(
        [sys.executable, "benchmarks/bench_funcmw_floor.py", "--quick"],
        capture_output=True,
        text=True,
        timeout=50,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    rows = {line.split("  ")[0] for line in done.stdout.splitlines() if "  " in line}
    assert {"raw", "contract", "asgiweb plaintext", "asgiweb funcmw"} <= rows
    assert "the least a function middleware over asgiweb's router can cost" in done.stdout
