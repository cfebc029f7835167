"""`python -m bot serve`: build the index from the bundled corpus if there is none, then serve.

Flask's own server, for one machine. In production run several gunicorn workers instead:
    gunicorn -w 2 -b 0.0.0.0:8000 'web:create_app()'
"""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

from bot.cli import Progress, build_index, default_corpus_dir, default_index_dir
from bot.corpus import CorpusError
from bot.index import IndexFormatError


def ensure_index(index_dir: Path, corpus_dir: Path | None = None) -> bool:
    """Build an index into `index_dir` from the bundled corpus unless one is there; True if it built one.

    It is built as `python train.py` builds it (tuned and calibrated on the corpus's labelled questions),
    so the first start takes as long as a training run: about a minute for the bundled corpus on 2 cores.
    """
    if (index_dir / "index.json").exists() or (index_dir.is_dir() and any(index_dir.iterdir())):
        return False
    corpus_dir = corpus_dir or default_corpus_dir()
    print(f"No index at {index_dir}: building one from {corpus_dir} as `python train.py` does ...", file=sys.stderr)
    _, report, summary = build_index(corpus_dir, index_dir, progress=Progress())
    tuned = "tuned on its labelled questions" if report else "with default settings (no labelled questions)"
    print(f"Built {index_dir} ({summary['passages']} passages from {summary['explainers']} explainers, {tuned}) "
          f"in {summary['seconds']:.1f}s.", file=sys.stderr)
    return True


def serve(host: str = "127.0.0.1", port: int = 8000, index_dir: str | Path | None = None) -> int:
    """Run the app on Flask's built-in server; returns an exit code (2 for a bad corpus, index or setting)."""
    from . import create_app

    folder = Path(index_dir) if index_dir else default_index_dir()
    try:
        ensure_index(folder)
        app = create_app({"INDEX_DIR": str(folder)})
    except (CorpusError, IndexFormatError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # INDEX_DIR on a read-only disk, or a file of the corpus that cannot be read
        print(f"error: cannot build the index in {folder}: {error.strerror or error} ({error.filename})", file=sys.stderr)
        return 2
    if app.extensions.get("answerer") is None:
        print(f"error: {app.extensions.get('index_error')}", file=sys.stderr)
        return 2
    if hasattr(signal, "SIGHUP"):
        # `kill -HUP <pid>` after `train.py` rebuilt the index: answer from the new one, or keep the old.
        from .answering import reload_index

        signal.signal(signal.SIGHUP, lambda signum, frame: reload_index(app))
    try:  # a host that does not resolve, or a port in use, is exit code 2 here, before "Serving on ..."
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server's own socket
            probe.bind(address)
    except OSError as error:
        print(f"error: cannot listen on {host}:{port} ({error.strerror or error})", file=sys.stderr)
        app.extensions["store"].close()
        return 2
    print(f"Serving on http://{host}:{port}/ (widget demo: http://{host}:{port}/demo). "
          "For production use gunicorn: gunicorn -w 2 'web:create_app()'", file=sys.stderr)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    except OSError as error:  # the port is taken, or not ours to bind
        print(f"error: cannot listen on {host}:{port} ({error})", file=sys.stderr)
        return 2
    finally:
        app.extensions["store"].close()
    return 0
