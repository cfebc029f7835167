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


def test_a_first_start_that_cannot_write_its_index_says_so_before_building(tmp_path, monkeypatch, capsys):
    # An INDEX_DIR under a read-only disk or a file built the whole index first, then `python -m bot serve`
    # died with a traceback, and `train.py` said so only after its build.
    import bot.training
    from bot.cli import train_main
    from web import serve as serve_module

    def no_build(*args, **kwargs):
        raise AssertionError("the index was built though it could not be written")

    monkeypatch.setattr(bot.training, "train", no_build)
    monkeypatch.setattr(serve_module, "default_corpus_dir", lambda: write_corpus(tmp_path / "corpus"))
    blocker = tmp_path / "srv"
    blocker.write_text("not a folder")
    assert serve_module.serve(host="127.0.0.1", port=8000, index_dir=blocker / "index") == 2
    err = capsys.readouterr().err
    assert f"error: cannot build the index in {blocker / 'index'}" in err and str(blocker) in err
    assert "Traceback" not in err and "Serving on" not in err
    assert train_main(["--corpus", str(tmp_path / "corpus"), "--out", str(blocker / "index"), "--quiet"]) == 1
    assert "error: could not write the index" in capsys.readouterr().err


def test_every_way_of_starting_finds_the_index_train_py_writes(tmp_path, monkeypatch, tiny_index_dir):
    # `python train.py` and `python -m bot serve` use ./instance/index; an app built by gunicorn (`web:create_app()`)
    # used Flask's instance folder beside the package, so a server started from the folder where train.py had just
    # written its index answered "no index".
    import shutil

    from bot.cli import default_index_dir
    from web import create_app

    monkeypatch.chdir(tmp_path)
    for name in ("INDEX_DIR", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(tiny_index_dir, tmp_path / "instance" / "index")
    app = create_app()
    try:
        assert app.config["INDEX_DIR"] == str(default_index_dir().resolve()) == str(tmp_path / "instance" / "index")
        assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'bot.sqlite3'}"
        response = app.test_client().post("/api/ask", json={"question": "How many passages are there?"})
        assert response.status_code == 200 and app.extensions["answerer"] is not None
    finally:
        app.extensions["store"].close()
    assert (tmp_path / "instance" / "bot.sqlite3").is_file()
