"""JSON helpers that keep line numbers, so a file's problems can be pointed at."""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
TOO_DEEP = "the JSON is nested too deeply to be read (thousands of brackets inside one another)"


def long_number(content: str) -> tuple[int, str]:
    """The line of the number `json.loads` refused for having more digits than Python converts, and what to do.
    Python's own message ("use sys.set_int_max_str_digits()") names no file or line and tells an editor to
    change Python."""
    limit = sys.get_int_max_str_digits()
    match = re.search(rf"\d{{{limit + 1},}}", content)
    line = content.count("\n", 0, match.start()) + 1 if match else 1
    return line, (f"invalid JSON: a number of more than {limit:,} digits, too long to read; remove it, or write it as "
                  "a string in quotes")


def read_jsonl(path: Path, error: Callable[[Path, int | None, str], Exception]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; any bad line raises `error(path, line, why)`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, None, f"cannot read the file: {exc.strerror}") from None
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8-sig")  # on any line: files joined with `cat` carry each one's BOM
        except UnicodeDecodeError:
            raise error(path, number, "not valid UTF-8; save the file as UTF-8") from None
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(path, number, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise error(path, number, TOO_DEEP) from None
        except ValueError:  # not a JSONDecodeError: a number past Python's limit on digits
            raise error(path, number, long_number(text)[1]) from None
        if not isinstance(record, dict):
            raise error(path, number, f"each line must be a JSON object, not {type(record).__name__}")
        yield number, record


def unknown_key(record: Mapping[str, Any], allowed: Sequence[str], what: str,
                renamed: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The first key of `record` that is not one of `allowed`, with a message saying what to write instead,
    or None.  A key starting with '_' is a note and passes.  A misspelt key would otherwise be skipped
    without a word: 'relevent' made a labelled question unanswerable, 'entites' dropped every entity."""
    for key in record:
        if key in allowed or key.startswith("_"):
            continue
        close = (renamed or {}).get(key.casefold()) or next(iter(difflib.get_close_matches(key.casefold(), allowed)), None)
        hint = f" (did you mean {close!r}?)" if close else ""
        keys = ", ".join(repr(k) for k in allowed)
        return key, f"unknown key {key!r}{hint}; {what} takes {keys}, and a key starting with '_' as a note"
    return None


class JsonLocator:
    """Finds the line where a value of a JSON document starts, by its path (``sections[2].passages[0]``)."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.lines: dict[str, int] = {}
        try:
            self._walk(0, "")
        except (ValueError, IndexError):
            self.lines = {}

    def line_of(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            shorter = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)
            if shorter == path:  # a top-level key that is not in the document
                break
            path = shorter
        return self.lines.get("", 1)

    def _line(self, index: int) -> int:
        return self.content.count("\n", 0, index) + 1

    def _walk(self, index: int, path: str) -> int:
        index = _WS.match(self.content, index).end()
        self.lines[path] = self._line(index)
        char = self.content[index]
        if char == "{":
            index = _WS.match(self.content, index + 1).end()
            if self.content[index] == "}":
                return index + 1
            while True:
                key, index = json.decoder.scanstring(self.content, index + 1)
                index = _WS.match(self.content, index).end() + 1  # past ':'
                index = self._walk(index, f"{path}.{key}" if path else key)
                index = _WS.match(self.content, index).end()
                if self.content[index] == "}":
                    return index + 1
                index = _WS.match(self.content, index + 1).end()  # past ','
        if char == "[":
            index = _WS.match(self.content, index + 1).end()
            if self.content[index] == "]":
                return index + 1
            position = 0
            while True:
                index = self._walk(index, f"{path}[{position}]")
                index = _WS.match(self.content, index).end()
                if self.content[index] == "]":
                    return index + 1
                index += 1
                position += 1
        _, end = json.JSONDecoder().raw_decode(self.content, index)
        return end
