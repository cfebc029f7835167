"""The news site's explainer text dump: headers, subheadings, bullets, separators, cut-off text.

EXPLAINER_FORMAT.md (kept with the project's shared data) and corpus/README.md describe it.
"""

from __future__ import annotations

import difflib
import re

from . import text as textlib
from .corpus_model import SECTION_TITLES, CorpusError, Explainer  # noqa: F401
from .explainer_build import PassageBuilder, date_from_text, mark_off_topic, real_date, title_from, web_address

_HEADERS = {
    "what's happened": "summary",
    "what's behind the headline?": "analysis",
    "what's behind the headline": "analysis",
    "why it matters": "analysis",
    "key insights": "analysis",
    "what the papers say": "papers",
    "how we got here": "background",
    "go deeper": "go_deeper",
    "common question": "common",
    "common questions": "common",
    "more on these topics": "entity",
}
_PREAMBLE_KEYS = ("title", "date", "url")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _header_key(line: str) -> str:
    # "How we got here:" is the header too, not a paragraph of the section before.
    return textlib.clean(line).casefold().strip().rstrip(":").rstrip()


def _header_kind(line: str) -> str | None:
    return _HEADERS.get(_header_key(line))


def _misspelt_header(line: str) -> str | None:
    """The header a short line not ending a sentence nearly spells ("What the Papers Said"), or None."""
    key = _header_key(line)
    if len(key) > 40 or textlib.ends_sentence(key.rstrip("?")):
        return None
    close = difflib.get_close_matches(key, list(_HEADERS), n=1, cutoff=0.85)
    return close[0] if close else None


def _shown(key: str) -> str:
    return key[:1].upper() + key[1:]


def _check_not_a_header(lines: list[tuple[int, str]], source: str, titles: bool = False) -> None:
    """CorpusError for a line that nearly spells a section header: misspelt, it would become a passage (or run
    into a common question or a blurb), and the next section's text this one's.  Among common questions and
    blurbs (`titles`), a question ("What's happened since?") is a common question's title, not a header."""
    for number, line in lines:
        header = None if titles and line.rstrip().endswith("?") else _misspelt_header(line)
        if header:
            raise CorpusError(source, number, f"{textlib.clean(line)!r} is not a section header; did you mean "
                                              f"{_shown(header)!r}? (a header is compared whole, ignoring case)")


_SEPARATOR = re.compile(r"^-+$")


def _is_separator(line: str) -> bool:
    # Compared cleaned, as headers are: a word processor's en or em dash ("–", "—") or a Markdown rule ("---")
    # separated nothing, and every common question or entity blurb after it ran into one item.
    return bool(_SEPARATOR.match(textlib.clean(line)))


_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+(?=\S)")


def _bullet(line: str) -> str | None:
    stripped = textlib.clean(line)  # "– Why now?" with an en dash is a bullet too
    if stripped.startswith("- ") or (stripped.startswith("-") and len(stripped) > 1 and stripped[1] not in "-0123456789"):
        return stripped[1:].strip()  # "-5% is..." is a negative figure, not a bullet
    if stripped[:2] in ("• ", "* "):
        return stripped[2:].strip()
    return None


def _list_item(line: str) -> str:
    """A Go deeper line without its bullet or number ("1. ", "2) ")."""
    text = _bullet(line) or line.strip()
    return _NUMBERED.sub("", text)


def _chunks(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Split on lone '-' lines; the dangling first separator gives an empty first chunk, dropped."""
    chunks: list[list[tuple[int, str]]] = [[]]
    for number, line in lines:
        if _is_separator(line):
            chunks.append([])
        elif line.strip():
            chunks[-1].append((number, line))
    return [c for c in chunks if c]


_TITLE_CHARS = 150  # a common question's title is a line of a question; a blurb runs longer


def _common_items(chunk: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """A chunk of common questions split into items: each is a title and its blurb, and a dump that lost the
    "-" lines between them holds several, each new one a short question after a blurb line.  (Joined, every
    question after the first was lost inside one long blurb.)"""
    items = [chunk[:1]]
    for number, line in chunk[1:]:
        text = textlib.clean(line)
        if len(items[-1]) > 1 and text.endswith("?") and len(text) <= _TITLE_CHARS:
            items.append([])
        items[-1].append((number, line))
    return items


def _looks_like_subheading(line: str, following: str | None) -> bool:
    """A short line with no full stop, before a paragraph that ends a sentence ("Troops on the Kursk
    front", "Why now?").  It does not depend on how long that paragraph is: shortening a paragraph must
    not turn its subheading into a passage and renumber every passage after it."""
    stripped = line.strip()
    return (
        following is not None
        and 3 <= len(stripped) <= 60
        and (not textlib.ends_sentence(stripped) or (stripped.endswith("?") and textlib.ends_sentence(following)))
        and not stripped.endswith((":", ",", ";"))
        and _bullet(stripped) is None
    )


def parse_explainer_text(content: str, explainer_id: str, source: str = "<text>") -> Explainer:
    """Parse an explainer text dump.  A page dumped twice keeps its last version."""
    # Only "\n" ends a line: a stray U+2028 or form feed inside a paragraph must not shift line numbers.
    if "\r" in content and "\n" not in content:  # old Mac line endings: CR alone
        content = content.replace("\r", "\n")
    # A CR left alone inside a line (a file of mixed line endings) is a space: readers never see it. A byte-order
    # mark opening a line is that of a second file joined on (`cat` of two dumps saved by Windows editors): it hid
    # the second dump's headers, and the page dumped twice was refused instead of keeping its later version.
    lines = [line.rstrip("\r").replace("\r", " ").lstrip("\ufeff") for line in content.split("\n")]
    if not any(line.strip() for line in lines):
        raise CorpusError(source, None, "the file is empty")
    preamble: dict[str, str] = {}
    sections: list[tuple[str, str, int, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise CorpusError(source, number, "the line holds a NUL byte; is this a text file?")
        kind = _header_kind(line)
        if kind is not None:
            earlier = next(((title, n) for seen, title, n, _ in sections if seen == kind), None)
            if kind == "summary" and earlier:
                sections = []  # a second dump of the same page: keep the later version
            elif earlier and _header_key(earlier[0]) == _header_key(line):
                raise CorpusError(source, number, f"section {line.strip()!r} appears twice (first at line {earlier[1]})")
            elif earlier:  # "Why it matters" under "What's behind the headline?": both are the analysis
                raise CorpusError(source, number, f"section {line.strip()!r} is a second {kind} section (the first is "
                                                  f"{earlier[0]!r} at line {earlier[1]}); put its text under one header")
            sections.append((kind, textlib.clean(line), number, []))
        elif sections:
            sections[-1][3].append((number, line))
        elif line.strip():
            key, sep, value = line.partition(":")
            if not sep or key.strip().casefold() not in _PREAMBLE_KEYS:
                header = _misspelt_header(line)
                hint = f" ({line.strip()!r} is not one: did you mean {_shown(header)!r}?)" if header else ""
                raise CorpusError(
                    source, number,
                    f"text before the first section header{hint}; start with a header such as \"What's happened\" "
                    "(optionally after 'Title:', 'Date:' or 'URL:' lines)",
                )
            # An address is kept as written: cleaning made prose of it (an en dash a hyphen, a curly apostrophe a
            # straight one), and the link then led to another page than the editor's.
            value = value.strip() if key.strip().casefold() == "url" else textlib.clean(value)
            if key.strip().casefold() == "date" and not _DATE.match(value):
                raise CorpusError(source, number, f"date {value!r} is not YYYY-MM-DD or YYYY-MM")
            if key.strip().casefold() == "date" and not real_date(value):
                raise CorpusError(source, number, f"date {value!r} is not a day or month that exists")
            if key.strip().casefold() == "url" and not web_address(value):
                raise CorpusError(source, number, f"URL {value[:100]!r} is not a web address: write the explainer's "
                                                  "address on the site in full, starting https:// (or http://)")
            preamble[key.strip().casefold()] = value
    if not sections:
        raise CorpusError(source, None, "no section headers found (expected \"What's happened\", \"What the papers say\", ...)")

    builder = PassageBuilder(explainer_id, source)
    suggested: list[str] = []
    for kind, title, header_line, body in sections:
        builder.section_titles.append(title)
        if kind == "go_deeper":
            for _, line in body:
                if line.strip() and not _is_separator(line):
                    question = textlib.clean(_list_item(line))
                    suggested.append(question)
        elif kind == "common":
            for chunk in [item for block in _chunks(body) for item in _common_items(block)]:
                _check_not_a_header(chunk, source, titles=True)
                (number, title_line), rest = chunk[0], chunk[1:]
                if not rest:
                    raise CorpusError(source, number, "common question has a title but no blurb line after it")
                blurb = " ".join(textlib.clean(line) for _, line in rest)
                builder.add("common", title, blurb, number, heading=textlib.clean(title_line),
                            questions=(textlib.clean(title_line),))
        elif kind == "entity":
            for chunk in _chunks(body):
                _check_not_a_header(chunk, source, titles=True)
                number = chunk[0][0]
                raw = "\n".join(line.strip() for _, line in chunk)
                blurb = " ".join(textlib.clean(line) for _, line in chunk)
                cut = len(raw.encode("utf-8")) >= 255 and not textlib.ends_sentence(blurb)
                builder.add_entity(title, blurb, number, truncated=cut or not textlib.ends_sentence(blurb))
        elif kind == "analysis":
            _parse_analysis(builder, title, body)
        else:
            paragraphs = [(n, textlib.clean(line)) for n, line in body if line.strip() and not _is_separator(line)]
            _check_not_a_header(paragraphs, source)
            for position, (number, paragraph) in enumerate(paragraphs):
                last = position == len(paragraphs) - 1
                truncated = last and not textlib.ends_sentence(paragraph)
                builder.add(kind, title, _bullet(paragraph) or paragraph, number, truncated=truncated)
        del header_line
    if not builder.passages:  # every section empty (a dump cut short): it would be listed, and answer nothing
        raise CorpusError(source, None, "the explainer has no passages: its sections ("
                                        + ", ".join(repr(t) for t in builder.section_titles)
                                        + ") hold no text, and Go deeper questions are suggestions, not answers")

    passages = mark_off_topic(builder.passages, builder.entities)
    date = preamble.get("date") or date_from_text(passages)
    title = preamble.get("title") or title_from(passages, suggested, explainer_id)
    return Explainer(
        id=explainer_id, title=title, passages=passages, date=date, url=preamble.get("url", ""),
        source=source, suggested_questions=suggested, entities=builder.entities, sections=builder.section_titles,
    )


def _parse_analysis(builder: PassageBuilder, title: str, body: list[tuple[int, str]]) -> None:
    rows = [(n, line) for n, line in body if line.strip() and not _is_separator(line)]
    heading: tuple[int, str] | None = None
    bullet_indent: int | None = None
    for position, (number, line) in enumerate(rows):
        following = rows[position + 1][1] if position + 1 < len(rows) else None
        bullet = _bullet(line)
        if bullet is not None:
            indent = len(line) - len(line.lstrip())
            if bullet_indent is not None and indent > bullet_indent:
                builder.extend_last(textlib.clean(bullet))  # a nested bullet joins the bullet above it
                continue
            bullet_indent = indent
            label, sep, rest = bullet.partition(": ")
            if sep and 0 < len(label) <= 60 and not textlib.ends_sentence(label):
                builder.add("analysis", title, textlib.clean(rest), number, heading=textlib.clean(label))
            else:
                builder.add("analysis", title, textlib.clean(bullet), number)
        elif heading is None and _looks_like_subheading(line, following) and _bullet(following or "") is None:
            heading = (number, textlib.clean(line))
        else:
            start, head = heading if heading else (number, "")
            builder.add("analysis", title, textlib.clean(line), start, heading=head,
                        truncated=following is None and not textlib.ends_sentence(line))
            heading = None
    if heading is not None:
        builder.add("analysis", title, heading[1], heading[0])


