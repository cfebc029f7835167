"""Explainers, FAQ files and labelled questions: parsed, validated, given stable ids.

Three corpus forms become the same `Explainer`/`Passage` objects:

* the explainer text dump (see corpus/README.md and EXPLAINER_FORMAT.md),
* the same explainer as hand-written JSON,
* plain FAQ JSONL, one ``{"id", "title", "text"}`` a line.

Passage ids read ``<explainer id>:<kind>:<n>`` (``nk-russia:papers:2``) and depend
only on the file, so they survive every rebuild.  A FAQ entry keeps its own id.
Every problem with a file is a `CorpusError` naming the file and the line.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import text as textlib
from .corpus_model import (  # noqa: F401  (the model's names, for importers of bot.corpus)
    _DATE,
    _ID,
    PASSAGE_KINDS,
    SECTION_TITLES,
    Corpus,
    CorpusError,
    Entity,
    Explainer,
    LabelledQuestion,
    Passage,
    explainer_from_json,
)
from .explainer_json import parse_explainer_json
from .explainer_text import parse_explainer_text
from .jsonlines import TOO_DEEP, JsonLocator, long_number, read_jsonl, unknown_key


def label_phrasings(questions: Iterable[LabelledQuestion]) -> list[tuple[str, str]]:
    """Labelled questions as alternate phrasings of the passages that answer them, so a reader who
    asks the same thing again is matched.  Follow-ups ("why?") lean on their context and are left out."""
    out = []
    for question in questions:
        if question.relevant and not question.context and len(textlib.content_words(question.question)) >= 2:
            out.extend((passage_id, textlib.clean(question.question)) for passage_id in question.relevant)
    return out


def with_phrasings(corpus: Corpus, phrasings: Iterable[tuple[str, str]]) -> Corpus:
    """A copy of `corpus` whose passages also answer `phrasings`; the original is unchanged."""
    copy = Corpus(explainers={eid: replace(e, passages=list(e.passages)) for eid, e in corpus.explainers.items()},
                  glossary=corpus.glossary, root=corpus.root)
    copy.add_phrasings(list(phrasings))
    return copy


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:  # not "could not write the index", as train.py said of an unreadable file
        raise CorpusError(path, None, f"cannot read the file: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CorpusError(path, line, f"not valid UTF-8 (byte {raw[error.start]:#04x}); save the file as UTF-8") from None


# ---------------------------------------------------------------- FAQ and labelled questions

def load_faq(path: str | Path) -> Explainer:
    """A FAQ JSONL file as one explainer whose passages keep the file's own ids."""
    path = Path(path)
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl(path, CorpusError):
        values = {}
        for key in ("id", "title", "text"):
            value = record.get(key)
            if not isinstance(value, str) or not value.strip():
                raise CorpusError(path, number, f"{key!r} must be a non-empty string")
            values[key] = textlib.clean(value)
        values["id"] = record["id"].strip()  # as written: labels and API users name it as the file does
        if values["id"] in seen:
            raise CorpusError(path, number, f"id {values['id']!r} already used on line {seen[values['id']]}")
        seen[values["id"]] = number
        passages.append(Passage(id=values["id"], explainer_id=_slug_id(path.stem), kind="faq", section="FAQ",
                                text=values["text"], heading=values["title"], questions=(values["title"],),
                                line=number))
    if not passages:
        raise CorpusError(path, None, "the file holds no FAQ entries")
    return Explainer(id=_slug_id(path.stem), title=path.stem.replace("_", " ").strip(), passages=passages,
                     source=str(path), sections=["FAQ"], kind="faq")


_QUESTION_KEYS = ("id", "question", "relevant", "context")
# The batch test's CSV columns for the expected passages, which a hand-made JSONL file may borrow.
_RELEVANT_ELSEWHERE = {"expected": "relevant", "expected_passage_id": "relevant", "passage_id": "relevant",
                       "passage": "relevant", "passages": "relevant"}


def load_questions(path: str | Path) -> list[LabelledQuestion]:
    """Labelled questions: JSONL ``{"id", "question", "relevant": [...], "context": [...]?}``."""
    path = Path(path)
    questions = []
    seen: set[str] = set()
    for number, record in read_jsonl(path, CorpusError):
        # A misspelt 'relevant' would make the question one the corpus cannot answer, without a word.
        unknown = unknown_key(record, _QUESTION_KEYS, "a labelled question", renamed=_RELEVANT_ELSEWHERE)
        if unknown:
            raise CorpusError(path, number, unknown[1])
        question = record.get("question")
        if not isinstance(question, str) or not question.strip():
            raise CorpusError(path, number, "'question' must be a non-empty string")
        relevant = record.get("relevant", [])
        context = record.get("context", [])
        for key, value in (("relevant", relevant), ("context", context)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CorpusError(path, number, f"{key!r} must be a list of strings")
        qid = record.get("id", f"{path.stem}:{number}")
        if not isinstance(qid, (str, int)) or isinstance(qid, bool):
            raise CorpusError(path, number, "'id' must be a string")
        qid = str(qid)
        if qid in seen:
            raise CorpusError(path, number, f"question id {qid!r} is used twice")
        seen.add(qid)
        questions.append(LabelledQuestion(id=qid, question=question, relevant=tuple(relevant),
                                          context=tuple(context), source=str(path), line=number))
    return questions


def load_phrasings(path: str | Path) -> list[tuple[str, str, int]]:
    """Alternate phrasings: JSONL ``{"passage_id", "question"}``."""
    out = []
    for number, record in read_jsonl(Path(path), CorpusError):
        passage_id, question = record.get("passage_id"), record.get("question")
        if not isinstance(passage_id, str) or not isinstance(question, str) or not question.strip():
            raise CorpusError(path, number, "needs a string 'passage_id' and a non-empty string 'question'")
        out.append((passage_id, textlib.clean(question), number))
    return out


BUILT_IN_GLOSSARY = Path(__file__).with_name("glossary.json")
GLOSSARY_FILE = "glossary.json"  # a corpus folder's own glossary, added to the built-in one


def load_glossary(path: str | Path) -> dict[str, list[str]]:
    """An editor's glossary: ``{"North Korea": ["DPRK", "Pyongyang"], "troops": ["soldiers"]}``."""
    return {k: v for k, v in read_glossary_file(path).items() if not k.startswith("_")}


def read_glossary_file(path: str | Path) -> dict[str, Any]:
    """A glossary file's object as written, in its order, notes (keys starting with "_") included; a
    `CorpusError` naming the line when it is not an object of name -> list of other names."""
    path = Path(path)
    content = _read_text(path)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise CorpusError(path, error.lineno, f"invalid JSON: {error.msg}") from None
    except RecursionError:
        raise CorpusError(path, None, TOO_DEEP) from None
    except ValueError:  # not a JSONDecodeError: a number past Python's limit on digits
        raise CorpusError(path, *long_number(content)) from None
    if not isinstance(data, dict):
        raise CorpusError(path, 1, "the glossary must be an object of name -> list of other names")
    where = JsonLocator(content)
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CorpusError(path, where.line_of(key), f"{key!r} must map to a list of strings")
    return data


def _slug_id(stem: str) -> str:
    return stem if _ID.match(stem) else textlib.slugify(stem)


def load_explainer(path: str | Path) -> Explainer:
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        return load_faq(path)
    content = _read_text(path)
    if path.suffix.lower() == ".json":
        return parse_explainer_json(content, str(path), default_id=_slug_id(path.stem))
    return parse_explainer_text(content, _slug_id(path.stem), str(path))


def corpus_files(root: Path) -> Iterator[Path]:
    """The explainer and FAQ files of a corpus: those in `explainers/` and its subfolders (a newsroom files
    them by year or by desk), or, for a folder without `explainers/`, the folder's own (not its subfolders:
    `eval/` holds labelled questions, not FAQs).  Hidden files and folders are left out."""
    if (root / "explainers").is_dir():
        return _files_in(root / "explainers", nested=True)
    return _files_in(root, nested=False)


def _files_in(folder: Path, nested: bool) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        # "COP28.TXT", as some Windows tools save it, is an explainer too, not a file to skip without a word.
        if path.is_file() and path.suffix.lower() in (".txt", ".json", ".jsonl"):
            yield path
        elif nested and path.is_dir() and not path.is_symlink():  # never through a link, which could lead back up
            yield from _files_in(path, nested=True)


def load_corpus(path: str | Path, default_glossary: bool = True) -> Corpus:
    """Load a corpus folder (``explainers/``, ``glossary.json``, ``phrasings.jsonl``), a folder of
    explainer files, or a single explainer or FAQ JSONL file."""
    root = Path(path)
    if not root.exists():
        raise CorpusError(root, None, "no such file or folder")
    if not root.is_file() and not root.is_dir():  # /dev/null, a pipe: neither an explainer nor a corpus folder
        raise CorpusError(root, None, "not a file or a folder; give a corpus folder or an explainer or FAQ file")
    try:
        files = [root] if root.is_file() else list(corpus_files(root))
    except OSError as error:  # a folder this user may not read
        raise CorpusError(Path(error.filename or root), None, f"cannot read the folder: {error.strerror or error}") from None
    if not files:
        raise CorpusError(root, None, "no explainer files (.txt, .json) or FAQ files (.jsonl) found")
    explainers: dict[str, Explainer] = {}
    passage_sources: dict[str, str] = {}
    for file in files:
        explainer = load_explainer(file)
        if explainer.id in explainers:
            raise CorpusError(file, None, f"explainer id {explainer.id!r} is also used by {explainers[explainer.id].source}")
        for passage in explainer.passages:
            if passage.id in passage_sources:
                raise CorpusError(file, passage.line, f"passage id {passage.id!r} is also used in {passage_sources[passage.id]}")
            passage_sources[passage.id] = str(file)
        explainers[explainer.id] = explainer
    glossary: dict[str, list[str]] = {}
    if default_glossary:
        glossary = load_glossary(BUILT_IN_GLOSSARY)
    folder = root if root.is_dir() else root.parent
    if root.is_dir() and (folder / GLOSSARY_FILE).is_file():
        for name, aliases in load_glossary(folder / GLOSSARY_FILE).items():
            known = glossary.setdefault(name, [])
            known.extend(a for a in aliases if a not in known)
    corpus = Corpus(explainers=explainers, glossary=glossary, root=str(folder))
    if root.is_dir() and (folder / "phrasings.jsonl").is_file():
        corpus.add_phrasings(load_phrasings(folder / "phrasings.jsonl"), str(folder / "phrasings.jsonl"))
    return corpus


def default_questions(corpus_path: str | Path) -> list[LabelledQuestion]:
    """The labelled questions that ship beside a corpus folder (``eval/*.jsonl``), if any."""
    folder = Path(corpus_path)
    eval_dir = folder / "eval" if folder.is_dir() else None
    if eval_dir is None or not eval_dir.is_dir():
        return []
    return [q for file in sorted(eval_dir.glob("*.jsonl")) for q in load_questions(file)]


def never_answered(questions: Iterable[LabelledQuestion], corpus: Corpus) -> list[LabelledQuestion]:
    """Labelled questions that name only passages the bot never answers with (an off-topic teaser, or a
    question an editor marked out of scope): every evaluation counts them as misses, whatever the bot does."""
    return [q for q in questions if q.relevant and not any(corpus.passage(r).answerable for r in q.relevant)]


def _closest_ids(missing: list[str], known: set[str]) -> str:
    """A hint for mistyped passage ids: the known ids closest to them, or where the ids are listed."""
    close = [match for passage_id in missing for match in difflib.get_close_matches(passage_id, known, n=2, cutoff=0.75)]
    if close:
        return f"; did you mean {', '.join(dict.fromkeys(close))}?"
    explainers = sorted({passage_id.split(":", 1)[0] for passage_id in known})
    return (f"; ids read <explainer>:<kind>:<n> (explainers: {', '.join(explainers[:12])}"
            f"{', ...' if len(explainers) > 12 else ''}), listed by GET /api/explainers/<id> and in the editor console")


def check_questions(questions: list[LabelledQuestion], corpus: Corpus) -> None:
    """Every labelled passage id must exist: a typo would silently count as a miss."""
    known = {p.id for p in corpus.passages}
    first_seen: dict[str, LabelledQuestion] = {}
    for question in questions:
        missing = [r for r in question.relevant if r not in known]
        if missing:
            raise CorpusError(question.source, question.line, f"unknown passage id(s) {', '.join(missing)}"
                                                              + _closest_ids(missing, known))
        earlier = first_seen.setdefault(question.id, question)
        if earlier is not question:  # across files: reports and comparisons match questions by id
            raise CorpusError(question.source, question.line, f"question id {question.id!r} is already used in "
                                                              f"{earlier.source}, line {earlier.line}")
