"""A corpus's own glossary (``CORPUS_DIR/glossary.json``) as editors change it: its groups listed beside
the built-in ones and the explainers' entity names, one change at a time checked and written
atomically, and who made each change.

The file keeps the form `bot.corpus.load_glossary` reads: an object of name -> list of other names,
with keys starting with "_" as notes, which are kept as they are.  Names are compared as the analyzer
reads them (folded words), so "N. Korea" and "n korea" are the same name.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import text as textlib
from .corpus import BUILT_IN_GLOSSARY, GLOSSARY_FILE, load_glossary, read_glossary_file
from .corpus_model import Explainer
from .files import write_atomically
from .locks import file_lock
from .store import Store, StoreError

MAX_NAME_CHARS = 100
MAX_ALIASES = 50  # per group added in one request
CHANGES = ("add_group", "add_alias", "remove_alias", "delete_group")

SCHEMA = """
CREATE TABLE IF NOT EXISTS glossary_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    editor TEXT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('add_group', 'add_alias', 'remove_alias', 'delete_group')),
    name TEXT NOT NULL,
    aliases TEXT NOT NULL
);
"""


class GlossaryEditError(ValueError):
    """A change that cannot be made as asked; `code` names the kind (``invalid_name``, ``duplicate_alias``...)
    and `status` the HTTP status the console answers with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Group:
    """A name and its other names, and where the group comes from: ``corpus`` (editable), ``built-in``
    or ``explainer`` (an entity's aliases, found in an explainer file)."""

    name: str
    aliases: tuple[str, ...]
    source: str
    explainer_id: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "aliases": list(self.aliases), "source": self.source}
        if self.explainer_id:
            data["explainer_id"] = self.explainer_id
        return data

    def where(self) -> str:
        return {"corpus": "the corpus glossary", "built-in": "the built-in glossary"}.get(
            self.source, f"explainer {self.explainer_id}")


def name_key(name: str) -> tuple[str, ...]:
    """A name as the analyzer reads it: its folded words."""
    return tuple(textlib.words(name))


def tidy(name: str) -> str:
    """A name as the console keeps it: cleaned (NFKC, straight quotes), with single spaces."""
    return " ".join(textlib.clean(name).split())


def check_name(value: Any, what: str) -> str:
    """A group's name or an alias, cleaned; a GlossaryEditError saying what is wrong otherwise."""
    if not isinstance(value, str):
        raise GlossaryEditError(400, "invalid_name", f"The {what} must be text.")
    name = tidy(value)
    if not name:
        raise GlossaryEditError(400, "invalid_name", f"The {what} is empty.")
    if len(name) > MAX_NAME_CHARS:
        raise GlossaryEditError(400, "invalid_name", f"The {what} is {len(name)} characters long; the limit is "
                                                     f"{MAX_NAME_CHARS}. A name readers type is a few words.")
    if not name_key(name):
        raise GlossaryEditError(400, "invalid_name", f"The {what} {name!r} has no letters or digits, so no question "
                                                     "could ever match it.")
    if name.startswith("_"):  # load_glossary reads such a key as a note and would drop the group
        raise GlossaryEditError(400, "invalid_name", f"The {what} may not start with '_', which marks a note.")
    return name


@functools.cache
def built_in_groups() -> tuple[Group, ...]:
    """The glossary shipped with the bot (a file of the package: read once)."""
    return tuple(Group(name, tuple(aliases), "built-in") for name, aliases in load_glossary(BUILT_IN_GLOSSARY).items())


def entity_groups(explainers: Iterable[Explainer]) -> list[Group]:
    """The entities' other names that explainer files give ("also known as...", a surname)."""
    return [Group(entity.name, entity.aliases, "explainer", explainer.id)
            for explainer in explainers for entity in explainer.entities if entity.aliases]


class GlossaryFile:
    """CORPUS_DIR/glossary.json: read, changed under a lock, written by renaming a full new file into place,
    so that a reader (a rebuild, another worker) sees the old file or the new one, never half of one."""

    def __init__(self, corpus_dir: str | Path) -> None:
        self.path = Path(corpus_dir) / GLOSSARY_FILE

    def _read(self) -> dict[str, Any]:
        """The file's object, notes included, in its order; {} when there is none. A malformed file is
        load_glossary's CorpusError, naming the line."""
        return read_glossary_file(self.path) if self.path.is_file() else {}

    def groups(self) -> list[Group]:
        return [Group(name, tuple(aliases), "corpus") for name, aliases in self._read().items()
                if not name.startswith("_")]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Every worker of a server may take a change: the lock file keeps two from reading the same file,
        # each adding its own alias, and the second write dropping the first's.
        with file_lock(self.path.parent / f".{GLOSSARY_FILE}.lock"):
            yield

    def _write(self, data: dict[str, Any]) -> None:
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

    def change(self, edit: Callable[[dict[str, Any]], None]) -> None:
        """Read the file, let `edit` change its object in place (raising to change nothing), and write it."""
        with self._locked():
            data = self._read()
            edit(data)
            self._write(data)


class CorpusGlossary:
    """The editable glossary of a corpus, checked against every other group the analyzer will read:
    the built-in glossary and the entity names of `explainers`."""

    def __init__(self, corpus_dir: str | Path, explainers: Iterable[Explainer] = ()) -> None:
        self.file = GlossaryFile(corpus_dir)
        self.explainers = list(explainers)

    def listing(self) -> dict[str, Any]:
        return {"file": str(self.file.path), "groups": [g.to_json() for g in self.file.groups()],
                "built_in": [g.to_json() for g in built_in_groups()],
                "entities": [g.to_json() for g in entity_groups(self.explainers)]}

    def _others(self, data: dict[str, Any]) -> list[Group]:
        corpus = [Group(name, tuple(aliases), "corpus") for name, aliases in data.items() if not name.startswith("_")]
        return corpus + list(built_in_groups()) + entity_groups(self.explainers)

    def _check_alias(self, data: dict[str, Any], group_name: str, alias: str) -> None:
        """An alias must be new to its group and name no other group: the analyzer would read it as both."""
        key, home = name_key(alias), name_key(group_name)
        if key == home:
            raise GlossaryEditError(409, "duplicate_alias", f"{alias!r} reads the same as the group's name {group_name!r}.")
        for group in self._others(data):
            if key not in {name_key(n) for n in (group.name, *group.aliases)}:
                continue
            if name_key(group.name) == home:
                raise GlossaryEditError(409, "duplicate_alias", f"{alias!r} is already another name of {group_name!r} "
                                                                f"(in {group.where()}).")
            raise GlossaryEditError(409, "alias_in_other_group", f"{alias!r} is already a name of {group.name!r} (in "
                                                                 f"{group.where()}); one name can stand for one group only.")

    def add_group(self, name: Any, aliases: Any) -> dict[str, Any]:
        """A new group of the corpus glossary. Its name may be a built-in group's or an entity's, which it
        then extends, but not another name of any group."""
        name = check_name(name, "group's name")
        if aliases is None:
            aliases = []
        if not isinstance(aliases, list) or len(aliases) > MAX_ALIASES:
            raise GlossaryEditError(400, "invalid_aliases", f"aliases must be a list of at most {MAX_ALIASES} names.")
        aliases = [check_name(a, "alias") for a in aliases]

        def edit(data: dict[str, Any]) -> None:
            for group in self._others(data):
                if group.source == "corpus" and name_key(group.name) == name_key(name):
                    raise GlossaryEditError(409, "duplicate_group", f"The glossary has a group {group.name!r} already; "
                                                                    "add aliases to it instead.")
                if name_key(name) in {name_key(a) for a in group.aliases}:
                    raise GlossaryEditError(409, "alias_in_other_group", f"{name!r} is already another name of "
                                                                         f"{group.name!r} (in {group.where()}).")
            data[name] = []
            for alias in aliases:
                # Else the second was called "already another name of" a group the glossary does not have yet.
                twice = next((a for a in data[name] if name_key(a) == name_key(alias)), None)
                if twice is not None:
                    raise GlossaryEditError(409, "duplicate_alias", f"{alias!r} is listed twice among the other names"
                                                                    + (f" (as {twice!r})" if twice != alias else "")
                                                                    + "; list it once.")
                self._check_alias(data, name, alias)
                data[name].append(alias)

        self.file.change(edit)
        return {"name": name, "aliases": aliases, "source": "corpus"}

    def _corpus_name(self, data: dict[str, Any], name: Any) -> str:
        name = check_name(name, "group's name")
        found = next((k for k in data if not k.startswith("_") and name_key(k) == name_key(name)), None)
        if found is None:
            raise GlossaryEditError(404, "unknown_group", f"The corpus glossary has no group {name!r}"
                                                          + self._elsewhere(name) + ".")
        return found

    def _elsewhere(self, name: str) -> str:
        """Why a group an editor sees listed is not the file's to change."""
        for group in (*built_in_groups(), *entity_groups(self.explainers)):
            if name_key(group.name) == name_key(name):
                return (f"; {group.name!r} is in {group.where()}, which the console does not change: add a group of "
                        "the same name to extend it")
        return ""

    def add_alias(self, name: Any, alias: Any) -> dict[str, Any]:
        alias = check_name(alias, "alias")
        result: dict[str, Any] = {}

        def edit(data: dict[str, Any]) -> None:
            group = self._corpus_name(data, name)
            self._check_alias(data, group, alias)
            data[group].append(alias)
            result.update(name=group, aliases=list(data[group]), source="corpus", alias=alias)

        self.file.change(edit)
        return result

    def remove_alias(self, name: Any, alias: Any) -> dict[str, Any]:
        alias = check_name(alias, "alias")
        result: dict[str, Any] = {}

        def edit(data: dict[str, Any]) -> None:
            group = self._corpus_name(data, name)
            # Compared as cleaned, as `alias` is: an alias written into the file by hand with a curly apostrophe
            # ("Xi’s government") or two spaces was never equal to it, so it could not be removed at all.
            kept = [a for a in data[group] if tidy(a) != alias]
            removed = [a for a in data[group] if tidy(a) == alias]
            if not removed:
                raise GlossaryEditError(404, "unknown_alias", f"{alias!r} is not an alias of {group!r} in the corpus "
                                                              "glossary (an alias from the built-in glossary or an "
                                                              "explainer file is not the console's to remove).")
            data[group] = kept
            result.update(name=group, aliases=kept, source="corpus", alias=removed[0])

        self.file.change(edit)
        return result

    def delete_group(self, name: Any) -> dict[str, Any]:
        result: dict[str, Any] = {}

        def edit(data: dict[str, Any]) -> None:
            group = self._corpus_name(data, name)
            result.update(name=group, aliases=data.pop(group), source="corpus")

        self.file.change(edit)
        return result


class GlossaryLog:
    """Who changed the glossary, and how, in the store's database beside the review decisions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, change: str, editor: str, name: str, aliases: Iterable[str]) -> dict[str, Any]:
        if change not in CHANGES:
            raise ValueError(f"unknown glossary change {change!r}; one of {', '.join(CHANGES)}")
        try:
            row_id = self.store.write(
                SCHEMA, "INSERT INTO glossary_changes (created_at, editor, change, name, aliases) "
                        "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?)",
                (editor, change, name, json.dumps(list(aliases), ensure_ascii=False)))
        except sqlite3.Error as error:
            raise StoreError(f"the glossary change could not be recorded ({error})") from None
        return self._decoded(self.store.rows(SCHEMA, "SELECT * FROM glossary_changes WHERE id = ?", (row_id,)))[0]

    def changes(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest `limit` changes, newest first."""
        return self._decoded(self.store.rows(SCHEMA, "SELECT * FROM glossary_changes ORDER BY id DESC LIMIT ?", (limit,)))

    @staticmethod
    def _decoded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "aliases": json.loads(row["aliases"])} for row in rows]
