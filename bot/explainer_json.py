"""The JSON form of an explainer, for editors who write one by hand (corpus/README.md lists its fields)."""

from __future__ import annotations

import json

from . import text as textlib
from .corpus_model import _DATE, _ID, SECTION_TITLES, CorpusError, Explainer
from .explainer_build import PassageBuilder, date_from_text, mark_off_topic, real_date, title_from, web_address
from .jsonlines import TOO_DEEP, JsonLocator, long_number, unknown_key

# The fields of each object of the form (corpus/README.md); a key starting with '_' is a note.
_FIELDS = {
    "an explainer": ("id", "title", "url", "date", "sections", "suggested_questions", "common_questions", "entities"),
    "a section": ("kind", "title", "passages"),
    "a passage": ("text", "heading", "questions", "truncated"),
    "a common question": ("question", "blurb", "off_topic"),
    "an entity": ("name", "aliases", "text"),
}


def parse_explainer_json(content: str, source: str = "<json>", default_id: str = "") -> Explainer:
    """Parse the hand-written JSON form of an explainer (corpus/README.md lists its fields)."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise CorpusError(source, error.lineno, f"invalid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise CorpusError(source, None, TOO_DEEP) from None
    except ValueError:  # not a JSONDecodeError: a number past Python's limit on digits
        raise CorpusError(source, *long_number(content)) from None
    where = JsonLocator(content)

    def fail(path: str, message: str) -> CorpusError:
        return CorpusError(source, where.line_of(path), f"{path or 'top level'}: {message}")

    def known_keys(obj: dict, what: str, path: str) -> None:
        unknown = unknown_key(obj, _FIELDS[what], what)
        if unknown:
            raise fail(f"{path}.{unknown[0]}".lstrip("."), unknown[1])

    def flag(obj: dict, key: str, path: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):  # "no" would count as true
            raise fail(f"{path}.{key}".lstrip("."), f"must be true or false, not {value!r}")
        return value

    def text_field(obj: dict, key: str, path: str, required: bool = True, as_written: bool = False) -> str:
        value = obj.get(key, "")
        if not isinstance(value, str):
            raise fail(f"{path}.{key}".lstrip("."), f"must be a string, not {type(value).__name__}")
        if required and not value.strip():
            raise fail(f"{path}.{key}".lstrip("."), "is missing or empty")
        return value.strip() if as_written else textlib.clean(value)

    def string_list(obj: dict, key: str, path: str) -> list[str]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{path}.{key}".lstrip("."), "must be a list of strings")
        return [textlib.clean(v) for v in value if v.strip()]

    def object_list(obj: dict, key: str, path: str) -> list[dict]:
        value = obj.get(key, [])
        if not isinstance(value, list):
            raise fail(f"{path}.{key}".lstrip("."), "must be a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise fail(f"{path}.{key}[{i}]".lstrip("."), "must be an object")
        return value

    if not isinstance(data, dict):
        raise fail("", "an explainer must be a JSON object")
    known_keys(data, "an explainer", "")
    explainer_id = text_field(data, "id", "", required=False) or default_id
    if not _ID.match(explainer_id):
        raise fail("id", f"{explainer_id!r} is not a usable id (letters, digits, '-', '_', '.')")
    date = text_field(data, "date", "", required=False)
    if date and not _DATE.match(date):
        raise fail("date", f"{date!r} is not YYYY-MM-DD or YYYY-MM")
    if date and not real_date(date):
        raise fail("date", f"{date!r} is not a day or month that exists")
    url = text_field(data, "url", "", required=False, as_written=True)  # an address, not prose: see explainer_text
    if url and not web_address(url):
        raise fail("url", f"{url[:100]!r} is not a web address: write the explainer's address on the site in full, "
                          "starting https:// (or http://)")

    builder = PassageBuilder(explainer_id, source)
    for i, section in enumerate(object_list(data, "sections", "")):
        path = f"sections[{i}]"
        known_keys(section, "a section", path)
        kind = text_field(section, "kind", path)
        if kind not in ("summary", "analysis", "papers", "background"):
            raise fail(f"{path}.kind", f"{kind!r} is not one of summary, analysis, papers, background "
                                       "(common questions and entities have their own lists)")
        title = text_field(section, "title", path, required=False) or SECTION_TITLES[kind]
        builder.section_titles.append(title)
        for j, item in enumerate(object_list(section, "passages", path)):
            item_path = f"{path}.passages[{j}]"
            known_keys(item, "a passage", item_path)
            builder.add(kind, title, text_field(item, "text", item_path), where.line_of(item_path),
                        heading=text_field(item, "heading", item_path, required=False),
                        truncated=flag(item, "truncated", item_path),
                        questions=tuple(string_list(item, "questions", item_path)))
    for i, item in enumerate(object_list(data, "common_questions", "")):
        path = f"common_questions[{i}]"
        known_keys(item, "a common question", path)
        question = text_field(item, "question", path)
        builder.add("common", SECTION_TITLES["common"], text_field(item, "blurb", path), where.line_of(path),
                    heading=question, questions=(question,), answerable=not flag(item, "off_topic", path))
    for i, item in enumerate(object_list(data, "entities", "")):
        path = f"entities[{i}]"
        known_keys(item, "an entity", path)
        blurb = text_field(item, "text", path)
        builder.add_entity(SECTION_TITLES["entity"], blurb, where.line_of(path),
                           truncated=not textlib.ends_sentence(blurb),
                           name=text_field(item, "name", path, required=False),
                           aliases=string_list(item, "aliases", path))
    if not builder.passages:
        raise fail("sections", "the explainer has no passages")
    suggested = string_list(data, "suggested_questions", "")
    passages = builder.passages
    if not any(isinstance(c, dict) and "off_topic" in c for c in data.get("common_questions", [])):
        passages = mark_off_topic(passages, builder.entities)
    return Explainer(
        id=explainer_id, passages=passages, source=source, date=date or date_from_text(passages),
        title=text_field(data, "title", "", required=False) or title_from(passages, suggested, explainer_id),
        url=url, suggested_questions=suggested,
        entities=builder.entities, sections=builder.section_titles,
    )


