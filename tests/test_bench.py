"""The benchmark scripts run (at their --quick sizes) and write their records; no timing is asserted."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_script_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_record(record: dict) -> dict:
    path = Path(record["path"])
    assert path.is_file()
    saved = json.loads(path.read_text(encoding="utf-8"))
    for key in ("benchmark", "created", "command", "params", "machine", "results"):
        assert key in saved
    # The command runs again as written, also where the script is not named after its record ("http" is http_load.py).
    assert (BENCH.parent / saved["command"].split()[1]).is_file()
    for key in ("platform", "cpu_count", "python", "versions"):
        assert key in saved["machine"]
    return saved


def test_synthetic_is_deterministic_and_prefix_stable(tmp_path):
    synthetic = load("synthetic")
    first = synthetic.passages(1_200, seed=0)
    assert first == synthetic.passages(1_200, seed=0)
    assert synthetic.passages(300, seed=0) == first[:300]
    assert synthetic.passages(300, seed=5) != first[:300]
    assert len({p["id"] for p in first}) == len(first)
    assert all(p["text"] and isinstance(p["questions"], list) for p in first)
    assert any(p["questions"] for p in first) and not all(p["questions"] for p in first)
    asked = synthetic.questions(first, 50, seed=1)
    assert asked == synthetic.questions(first, 50, seed=1)
    ids = {p["id"] for p in first}
    assert all(q["question"].strip() and q["relevant"][0] in ids for q in asked)
    assert synthetic.main(["--quick", "--out-dir", str(tmp_path)]) == 0
    assert len(synthetic.read_jsonl(tmp_path / "passages.jsonl")) == 300
    assert len(synthetic.read_jsonl(tmp_path / "queries.jsonl")) == 50


def test_retrieval_quick_writes_a_record(tmp_path):
    pytest.importorskip("bm25s")
    saved = read_record(load("retrieval").main(["--quick", "--out-dir", str(tmp_path)]))
    (result,) = saved["results"]
    assert result["size"] == 300
    for name in ("ours", "bm25s"):
        assert {"build_s", "single", "batch_ms_per_question", "batch_speedup"} <= set(result[name])
        assert {"median_ms", "p99_ms", "n"} <= set(result[name]["single"])
    assert {"single_alone", "batch_speedup_alone"} <= set(result["ours"])
    assert result["ours"]["single_alone"]["n"] == 50
    assert {"ratio_single_median", "ratio_single_p99", "ratio_batch"} <= set(result)


def test_build_quick_writes_a_record(tmp_path):
    pytest.importorskip("bm25s")
    saved = read_record(load("build").main(["--quick", "--out-dir", str(tmp_path)]))
    (result,) = saved["results"]
    assert result["size"] == 300
    for name in ("ours", "bm25s"):
        assert {"build_s", "passages_per_s", "peak_rss_mib", "build_rss_increase_mib"} <= set(result[name])
    assert "ratio_build_time" in result


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads process memory from /proc (Linux)")
def test_build_memory_counts_what_a_worker_holds_once():
    import subprocess
    import sys

    build = load("build")
    holding = "import sys, time; block = bytearray(300 * 2**20); sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(0.5)"
    before = build._memory_kib(__import__("os").getpid())[0] / 1024
    with build.TreeMemory(every=0.01) as tree:
        with subprocess.Popen([sys.executable, "-c", holding], stdout=subprocess.PIPE, text=True) as worker:
            assert worker.stdout.readline() == "ready\n"
            worker.wait()
    # The worker's 300 MiB count once, and this process's own memory is not counted again for it.
    assert 300 <= tree.workers_peak_mib < 300 + 100
    assert tree.peak_mib >= before + 300


def test_quality_quick_writes_a_record(tmp_path):
    pytest.importorskip("bm25s")
    # An empty datasets folder: the public sets are skipped with a note, the shipped explainers still run.
    saved = read_record(load("quality").main(["--quick", "--out-dir", str(tmp_path),
                                              "--datasets-dir", str(tmp_path / "absent")]))
    assert saved["skipped"] == ["covid_deepset", "stackfaq"]
    systems = {row["system"] for row in saved["results"]}
    assert {"answerer (bundle.build)", "our Index alone", "bm25s"} <= systems
    for row in saved["results"]:
        assert {"dataset", "n", "acc@1", "mrr@10", "recall@5"} <= set(row)


@pytest.mark.skipif(__import__("shutil").which("wrk") is None, reason="needs wrk (apt-get install wrk; .ci/run installs it)")
def test_http_quick_writes_a_record(tmp_path):
    saved = read_record(load("http_load").main(["--quick", "--out-dir", str(tmp_path)]))
    for server in ("asked_before", "afresh"):
        for endpoint in ("healthz", "ask"):
            result = saved["results"][server][endpoint]
            assert result["requests"] > 0 and result["non_2xx"] == 0
            assert "p99" in result["latency_ms"]
        assert saved["results"][server]["ask_over_healthz"] > 0
    split = saved["results"]["in_process"]
    assert set(split) == {"healthz_ms", "ask_ms", "ask_asked_before_ms", "answerer_ms", "ask_fixed_answer_ms"}
    assert all(value > 0 for value in split.values())


def test_startup_quick_writes_a_record(tmp_path):
    saved = read_record(load("startup").main(["--quick", "--out-dir", str(tmp_path)]))
    for mode in ("read", "mmap"):
        assert saved["results"][mode]["load_s"] > 0 and len(saved["results"][mode]["runs"]) == 2


def test_insights_quick_writes_a_record(tmp_path):
    saved = read_record(load("insights").main(["--quick", "--out-dir", str(tmp_path)]))
    periods = {row["period"]: row for row in saved["results"]}
    assert list(periods) == ["7", "30", "90", "all"]
    assert periods["all"]["questions_in_period"] == 20_000
    assert 0 < periods["7"]["questions_in_period"] < periods["30"]["questions_in_period"] < periods["90"]["questions_in_period"]
    assert all(len(row["runs_s"]) == 2 and row["median_s"] > 0 for row in saved["results"])
