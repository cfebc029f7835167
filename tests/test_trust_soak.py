"""The soak script (bench/soak.py) runs at its --quick size (10 s): gunicorn with 2 workers under mixed
load ends with no 5xx, no lost feedback and its one JSON record (issue 7). The 3-minute figures are in
the README; this proves the script and the zero counts, not the memory."""

from __future__ import annotations

import json
from pathlib import Path

from bench.soak import main


def test_quick_soak_has_no_server_error_and_loses_no_feedback(tmp_path):
    record = main(["--quick", "--clients", "8", "--out-dir", str(tmp_path)])
    path = Path(record["path"])
    assert path.parent == tmp_path and path.name.startswith("soak-") and path.suffix == ".json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    for key in ("benchmark", "created", "command", "params", "machine", "results"):
        assert key in saved
    results = saved["results"]
    for key in ("requests", "requests_per_second", "server_errors", "connection_errors", "feedback_acknowledged",
                "feedback_rows", "feedback_lost", "feedback_duplicated", "questions_lost", "memory", "latency"):
        assert key in results
    assert results["server_errors"] == 0, results["server_error_samples"]
    assert results["connection_errors"] == 0, results["connection_error_kinds"]
    assert results["feedback_lost"] == 0 and results["feedback_duplicated"] == 0
    assert results["questions_lost"] == 0 and results["integrity_check_ok"] == 1
    assert results["feedback_acknowledged"] > 50 and results["requests"] > 500
    assert {"rss_warm_kb", "rss_end_kb", "growth_pct"} <= set(results["memory"])
    assert results["gunicorn_exit_code"] == 0
    bad = {key for key in results["statuses"] if key.startswith("bad:")}
    assert bad and all(400 <= int(key.rsplit(" ", 1)[1]) < 500 for key in bad)
