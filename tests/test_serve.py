"""`python -m bot serve` builds an index on first start (web/serve.py)."""

from __future__ import annotations

from tiny_corpus import write_corpus

from bot import bundle
from web.serve import ensure_index


def test_first_start_builds_the_index_once(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "instance" / "index"
    assert ensure_index(index_dir, corpus) is True
    assert len(bundle.load(index_dir).explainers) == 2
    assert ensure_index(index_dir, corpus) is False


def test_a_port_in_use_or_out_of_range_is_a_clean_error(tiny_index_dir, capsys):
    # Port 70000 listened on 4464; a port in use exited 1 from inside the server, after "Serving on".
    import socket

    import pytest

    from bot.cli import main
    from web.serve import serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve(host="127.0.0.1", port=port, index_dir=tiny_index_dir) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Serving on" not in err
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--port", "70000", "--index", str(tiny_index_dir)])
    assert stopped.value.code == 2 and "1-65535" in capsys.readouterr().err
