"""What the benchmark scripts share: the machine description, the JSON record, timing summaries,
and bm25s set up the same way everywhere (numpy backend, its own tokenizer, no stop words)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def machine() -> dict[str, Any]:
    """Where a run happened: enough to tell whether two records can be compared."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": {name: _version(name) for name in
                     ("numpy", "scipy", "scikit-learn", "nltk", "bm25s", "matplotlib")},
        "env": {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
                if name in os.environ},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }


def write_record(kind: str, record: dict[str, Any], out_dir: Path | None = None) -> Path:
    """Write one run's record to ``<out_dir>/<kind>-<UTC timestamp>.json``, say where, note the path in
    the record (as `path`) and return it."""
    out_dir = Path(out_dir) if out_dir is not None else RESULTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = out_dir / f"{kind}-{stamp}.json"
    suffix = 1
    while path.exists():
        path = out_dir / f"{kind}-{stamp}-{suffix}.json"
        suffix += 1
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"record: {path}" + (f"\nplot: {record['plot']}" if record.get("plot") else ""))
    record["path"] = str(path)
    return path


def finish(kind: str, record: dict[str, Any], results: list[dict[str, Any]], report: str, legend: str,
           plot: Callable[[list[dict[str, Any]], Path], Path | None], out_dir: Path, quick: bool) -> dict[str, Any]:
    """The end of a sized benchmark's run: print its table and legend, draw its plot (`<kind>.png`, or
    `<kind>-quick.png` for a quick run) and write its record."""
    record["results"] = results
    print()
    print(report)
    print(legend)
    png = plot(results, out_dir / (f"{kind}-quick.png" if quick else f"{kind}.png"))
    record["plot"] = str(png) if png else None
    write_record(kind, record, out_dir)
    return record


def save_plot(figure: Any, path: Path) -> Path:
    """Lay out, write (PNG, 120 dpi) and close a matplotlib figure."""
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    figure.clf()
    import matplotlib.pyplot as plt

    plt.close(figure)
    return path


def log_log(axes: Any, xlabel: str, ylabel: str, title: str) -> None:
    """The plots' common look: log-log axes, a light grid, a small legend."""
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)


def parse_sizes(text: str, smallest: int = 1) -> list[int]:
    """Comma-separated corpus sizes ("1000,10_000") as sorted whole numbers; ValueError if not."""
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < smallest:
        raise ValueError(f"every size must be at least {smallest} passages")
    return sizes


def header(benchmark: str, argv: Sequence[str], params: dict[str, Any], script: str | None = None) -> dict[str, Any]:
    """What every record starts with; `script` is the file under bench/ when its name is not the benchmark's."""
    return {
        "benchmark": benchmark,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(["python", f"bench/{script or benchmark}.py", *argv]),
        "params": params,
        "machine": machine(),
    }


def summarize(seconds: Sequence[float]) -> dict[str, float | int]:
    """Latency summary in milliseconds: median and p99 are the figures to quote on a shared machine."""
    values = np.asarray(seconds, dtype=np.float64) * 1000.0
    return {
        "n": int(values.size),
        "median_ms": round(float(np.median(values)), 4),
        "p99_ms": round(float(np.percentile(values, 99)), 4),
        "mean_ms": round(float(values.mean()), 4),
        "min_ms": round(float(values.min()), 4),
    }


def documents(passages: Sequence[dict[str, Any]]) -> list[Any]:
    """Synthetic passages as the index sees them (`bot.index.Document`)."""
    # Imported here so that a bm25s-only process (bench/build.py's child) does not load scikit-learn.
    from bot.index import Document

    return [Document(id=p["id"], text=p["text"], questions=tuple(p.get("questions", ()))) for p in passages]


def flat_text(document: Any) -> str:
    """bm25s has one field: the passage's questions followed by its text (a `Document` or a passage dict)."""
    if isinstance(document, dict):
        return " ".join([*document.get("questions", ()), document["text"]])
    return " ".join([*document.questions, document.text])


class Bm25s:
    """bm25s as its README sets it up: `bm25s.tokenize(stopwords=None)`, `BM25()` (k1=1.5, b=0.75, Lucene
    idf), numpy backend, one process; query time includes tokenizing the question."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(self, texts: Sequence[str]) -> Bm25s:
        import bm25s

        self.retriever_ = bm25s.BM25(k1=self.k1, b=self.b, backend="numpy")
        tokens = bm25s.tokenize(list(texts), stopwords=None, show_progress=False)
        self.retriever_.index(tokens, show_progress=False)
        self.size_ = len(texts)
        return self

    def tokenize(self, questions: Sequence[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(list(questions), stopwords=None, return_ids=False, show_progress=False)

    def search(self, tokens: list[list[str]], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        found = self.retriever_.retrieve(tokens, k=min(k, self.size_), show_progress=False, n_threads=0,
                                         backend_selection="numpy")
        return found.documents, found.scores

    def retrieve_batch(self, questions: Sequence[str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Row i: passage positions and scores for question i, best first."""
        return self.search(self.tokenize(questions), k)

    def arrays_mib(self) -> float:
        scores = self.retriever_.scores
        return sum(v.nbytes for v in scores.values() if isinstance(v, np.ndarray)) / 2**20


def index_arrays_mib(index: Any) -> float:
    """The sparse matrices of our index (both orientations) in MiB; vocabularies not counted."""
    total = 0
    for store in (index.matrices_, index.term_major_):
        for matrix in store.values():
            total += matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
    return total / 2**20


def pyplot():
    """matplotlib's pyplot with the Agg backend, or None (with a note) when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        print("note: matplotlib is not installed, so no plot is drawn (pip install matplotlib)")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def table(rows: Sequence[Sequence[Any]], headings: Sequence[str]) -> str:
    """A plain fixed-width table, numbers right-aligned."""
    cells = [[str(h) for h in headings]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headings))]
    lines = []
    for number, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if number and _numeric(c) else c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "", 1).replace("x", "").replace("-", "").isdigit() or cell == "-"


def mib(value: float) -> str:
    return f"{value:,.1f}"
