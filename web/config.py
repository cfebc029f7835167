"""Settings of the web app: each one named once here, with its default and what it does.

Configuration is layered: these defaults, then environment variables of the same name, then the
`test_config` given to `create_app`. `settings_table()` renders the README's table, and a test
checks that every setting here is documented there.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ratelimit import parse_rate


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    description: str
    parse: Callable[[str], Any] = str
    shown_default: str | None = None  # how the default reads in the docs, when it is computed

    def documented_default(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        return "(empty)" if self.default in ("", None) else f"`{self.default}`"


def _whole(value: str, meaning: str) -> int:
    try:
        return int(value)
    except ValueError:  # int()'s own message ("invalid literal for int() with base 10") is Python's, not ours
        raise ValueError(f"must be {meaning}, got {value!r}") from None


def _positive_int(value: str) -> int:
    number = _whole(value, "a positive whole number")
    if number <= 0:
        raise ValueError(f"must be a positive whole number, got {value!r}")
    return number


def _flag(value: str) -> bool:
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"must be 1 or 0 (true or false), got {value!r}")


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be 0 or a positive number of seconds, got {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise ValueError(f"must be 0 or a positive number of seconds, got {value!r}")
    return number


def _count(value: str) -> int:
    number = _whole(value, "0 or a positive whole number")
    if number < 0:
        raise ValueError(f"must be 0 or a positive whole number, got {value!r}")
    return number


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("INDEX_DIR", None, "Folder of the built index the server answers from; `python -m bot serve` builds it there on first start.",
            shown_default="`instance/index`"),
    Setting("INDEX_MMAP", False, "`1` memory-maps the index's arrays so every worker on a machine shares one copy (for large archives); "
            "then replace the index only by renaming a new folder into place, as `train.py` does.", _flag,
            shown_default="`0` (read into each process)"),
    Setting("INDEX_CHECK_SECONDS", 2.0, "How often, in seconds, each server process looks whether `INDEX_DIR` holds a new index "
            "(from `train.py` or the editor's **Rebuild index**) and loads it; every worker and every server sharing the folder "
            "then answers from it. `0` never looks (send SIGHUP or restart instead).", _seconds, shown_default="`2`"),
    Setting("DATABASE_URL", None, "Where the question log and feedback are stored (`sqlite:///path`); point every server on the machine at the same file to share it (SQLite's WAL mode, which the store uses, does not work over a network file system).",
            shown_default="`sqlite:///instance/bot.sqlite3`"),
    Setting("ALLOWED_ORIGINS", "", "Comma-separated origins (`https://news.example`) that may embed the widget (CSP `frame-ancestors`) and call the API from a browser (CORS); `*` allows any."),
    Setting("MAX_QUESTION_CHARS", 500, "Longest question accepted, in characters; longer ones get a 400 error.", _positive_int),
    Setting("MAX_CONTENT_LENGTH", 64 * 1024, "Largest request body accepted, in bytes; larger ones get a 413 error.", _positive_int),
    Setting("EDITOR_MAX_UPLOAD_BYTES", 8 * 1024 * 1024, "Largest question file the editor console's batch test accepts "
            "(`POST /editor/api/batch`), in bytes; larger ones get a 413 error. Only that route: every other request keeps "
            "`MAX_CONTENT_LENGTH`.", _positive_int),
    Setting("EDITOR_MAX_BATCH_QUESTIONS", 5000, "Most questions one batch test runs (an uploaded file, or the corpus's labelled "
            "questions); more get a 400 error asking to split the file. A run takes about a millisecond a question and keeps "
            "every question's result, so this bounds both the wait and the stored run.", _positive_int),
    Setting("EDITOR_TOKEN", "", "Token that opens the editor console at `/editor` (login form) and its API (`Authorization: Bearer ...`); empty turns the console off. Use a long random value."),
    Setting("SECRET_KEY", "", "Key that signs the editor's login cookie. Production must set it (the same on every worker): the default is a random key per process, so editors are logged out on restart.",
            shown_default="random per process"),
    Setting("CORPUS_DIR", None, "Corpus folder the editor console tests against (`eval/`), rebuilds from and exports review decisions to.",
            shown_default="`corpus`"),
    Setting("ANSWER_MEMORY", 2048, "How many different questions (each with its explainer and earlier turns) each server process "
            "keeps the answer to (some 5 to 10 KB each), so that the next reader who asks one is answered at once; the answers are forgotten when "
            "the index changes. Every asking is still logged. `0` answers every question afresh.", _count),
    Setting("RATE_LIMIT_ASK", "60/minute", "Questions (`POST /api/ask`, and the chat and widget pages given a question) one client address may ask, as `N/second`, `N/minute`, `N/hour`, `N/day` or `off`; "
            "more get a 429 error with Retry-After. Kept in each worker's memory (with `-w N`, up to N times the setting) unless `RATE_LIMIT_DIR` is set; never written to the database."),
    Setting("RATE_LIMIT_FEEDBACK", "30/minute", "Feedback posts (`POST /api/feedback`, and the page form's `POST /feedback`) one client address may send, written like `RATE_LIMIT_ASK`."),
    Setting("RATE_LIMIT_DIR", "", "A folder on local disk where every server process on the machine keeps the rate limits' buckets in one shared, memory-mapped table per limit, "
            "so that gunicorn workers share one budget per client (and one allowance of wrong editor tokens). The tables hold a hash of each recent client's address and its bucket, nothing else, in files only the server's user can read. Empty: each process keeps its own. "
            "Not for a network share: servers on several machines each keep their own."),
    Setting("TRUSTED_PROXIES", 0, "How many reverse proxies in front of the app set `X-Forwarded-For` and `X-Forwarded-Proto`; the rate limit keys on the address they report, and the editor's sign-in cookie is marked Secure when they report HTTPS. "
            "Leave at 0 when clients connect directly (the header is then ignored).", _count),
)}

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


def parse_origins(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """`"https://a.example, https://b.example"` -> a list of origins; `*` allows any; a bad one is a ValueError."""
    items = value.split(",") if isinstance(value, str) else list(value)
    origins = [item.strip().rstrip("/") for item in items if item and item.strip()]
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise ValueError(f"ALLOWED_ORIGINS: {origin!r} is not an origin; write it as scheme://host[:port], "
                             "for example https://news.example")
    return [_as_browsers_send(origin) for origin in origins]


def _as_browsers_send(origin: str) -> str:
    """An origin as a browser's Origin header has it, which CORS compares exactly: scheme and host in lower
    case, without the scheme's own port (`HTTPS://News.example:443` -> `https://news.example`)."""
    origin = origin.lower()
    for scheme, port in (("https://", ":443"), ("http://", ":80")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[: -len(port)]
    return origin


def load_config(instance_path: str | Path, environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults -> environment variables -> `overrides`, with types checked and the derived defaults filled in."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {name: setting.default for name, setting in SETTINGS.items()}
    for name, setting in SETTINGS.items():
        raw = environ.get(name)
        if raw is not None and raw != "":
            try:
                config[name] = setting.parse(raw)
            except ValueError as error:
                raise ValueError(f"environment variable {name}={raw!r}: {error}") from None
    config.update(overrides or {})
    instance = Path(instance_path)
    if not config.get("INDEX_DIR"):
        config["INDEX_DIR"] = str(instance / "index")
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'bot.sqlite3'}"
    config["ALLOWED_ORIGINS"] = parse_origins(config.get("ALLOWED_ORIGINS") or "")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secrets.token_hex(32)
    if not config.get("CORPUS_DIR"):
        from bot.cli import default_corpus_dir

        config["CORPUS_DIR"] = str(default_corpus_dir())
    for name in ("MAX_QUESTION_CHARS", "MAX_CONTENT_LENGTH", "EDITOR_MAX_UPLOAD_BYTES", "EDITOR_MAX_BATCH_QUESTIONS"):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    for name in ("RATE_LIMIT_ASK", "RATE_LIMIT_FEEDBACK"):
        try:
            parse_rate(config[name])
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    every = config["INDEX_CHECK_SECONDS"]
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not 0 <= every < float("inf"):
        raise ValueError(f"INDEX_CHECK_SECONDS must be 0 or a positive number of seconds, got {every!r}")
    memory = config["ANSWER_MEMORY"]
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < 0:
        raise ValueError(f"ANSWER_MEMORY must be 0 or a positive whole number, got {memory!r}")
    proxies = config["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise ValueError(f"TRUSTED_PROXIES must be 0 or a positive whole number, got {proxies!r}")
    return config


def settings_table() -> str:
    """The Markdown table of settings, as pasted into the README's "## Settings" section."""
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for setting in SETTINGS.values():
        lines.append(f"| `{setting.name}` | {setting.documented_default()} | {setting.description} |")
    return "\n".join(lines) + "\n"
