"""The console's glossary (CORPUS_DIR/glossary.json): listing, adding, editing and deleting groups, what is
refused and why, the atomic write, who changed what, and a new synonym answering after a rebuild."""

from __future__ import annotations

import json

import pytest
from test_editor import BEARER, TOKEN, low_threshold_model, write_garden
from tiny_corpus import write_corpus

from bot import bundle
from bot.corpus import load_corpus, load_glossary
from bot.review import corpus_for_build

ANN = {**BEARER, "X-Editor-Name": "Ann"}
NOTE = "Our own names and synonyms; see corpus/README.md."


@pytest.fixture
def garden_app(make_app, tmp_path):
    root = write_garden(tmp_path / "garden")
    (root / "glossary.json").write_text(json.dumps({"_about": NOTE, "troops": ["soldiers"]}, indent=1) + "\n",
                                        encoding="utf-8")
    index = bundle.save(bundle.build(corpus_for_build(root, []), model=low_threshold_model()), tmp_path / "index",
                        load_corpus(root).fingerprint())
    return make_app(EDITOR_TOKEN=TOKEN, INDEX_DIR=str(index), CORPUS_DIR=str(root)), root


@pytest.fixture
def client(garden_app):
    return garden_app[0].test_client()


def glossary_file(root):
    return json.loads((root / "glossary.json").read_text(encoding="utf-8"))


def add_group(client, name, aliases=()):
    return client.post("/editor/api/glossary/groups", headers=ANN, json={"name": name, "aliases": list(aliases)})


def add_alias(client, name, alias):
    return client.post("/editor/api/glossary/aliases", headers=ANN, json={"name": name, "alias": alias})


def test_the_glossary_lists_the_corpus_groups_and_the_read_only_ones(client):
    listing = client.get("/editor/api/glossary", headers=BEARER).json
    assert listing["file"].endswith("glossary.json")
    assert listing["groups"] == [{"name": "troops", "aliases": ["soldiers"], "source": "corpus"}]
    built_in = {g["name"]: g for g in listing["built_in"]}
    assert "Pyongyang" in built_in["North Korea"]["aliases"] and built_in["North Korea"]["source"] == "built-in"
    assert listing["entities"] == [] and listing["changes"] == []


def test_the_entities_aliases_from_explainer_files_are_listed(make_app, tmp_path):
    client = make_app(EDITOR_TOKEN=TOKEN, CORPUS_DIR=str(write_corpus(tmp_path / "tiny"))).test_client()
    entities = client.get("/editor/api/glossary", headers=BEARER).json["entities"]
    assert entities == [{"name": "Anna Kovac", "aliases": ["Kovac"], "source": "explainer", "explainer_id": "rates"},
                        {"name": "The Bank of Ruritania", "aliases": ["BoR"], "source": "explainer", "explainer_id": "rates"}]


def test_an_editor_adds_a_group_and_aliases_removes_one_and_deletes_a_group(client, garden_app):
    root = garden_app[1]
    created = add_group(client, "  apples ", ["pomes"])
    assert created.status_code == 201, created.json
    assert created.json["group"] == {"name": "apples", "aliases": ["pomes"], "source": "corpus"}
    assert "Rebuild" in created.json["note"]
    assert add_alias(client, "Apples", "malus").json["group"]["aliases"] == ["pomes", "malus"]  # names fold
    assert add_alias(client, "troops", "grunts").status_code == 200
    removed = client.delete("/editor/api/glossary/aliases", headers=ANN, query_string={"name": "apples", "alias": "pomes"})
    assert removed.status_code == 200 and removed.json["group"]["aliases"] == ["malus"]
    deleted = client.delete("/editor/api/glossary/groups", headers=ANN, query_string={"name": "troops"})
    assert deleted.json["group"] == {"name": "troops", "aliases": ["soldiers", "grunts"], "source": "corpus"}

    # The file keeps its note and the form load_glossary reads.
    assert glossary_file(root) == {"_about": NOTE, "apples": ["malus"]}
    assert load_glossary(root / "glossary.json") == {"apples": ["malus"]}
    changes = client.get("/editor/api/glossary", headers=BEARER).json["changes"]
    assert [(c["editor"], c["change"], c["name"], c["aliases"]) for c in changes] == [
        ("Ann", "delete_group", "troops", ["soldiers", "grunts"]),
        ("Ann", "remove_alias", "apples", ["pomes"]),
        ("Ann", "add_alias", "troops", ["grunts"]),
        ("Ann", "add_alias", "apples", ["malus"]),
        ("Ann", "add_group", "apples", ["pomes"]),
    ]
    assert all(c["created_at"] for c in changes)


def test_an_alias_written_into_the_file_by_hand_can_be_removed_as_listed(client, garden_app):
    # Defect: removing an alias compared the file's spelling with the cleaned one sent, so an alias typed into
    # glossary.json with a curly apostrophe or two spaces was "not an alias" of the group it is listed under.
    root = garden_app[1]
    (root / "glossary.json").write_text(json.dumps({"_about": NOTE, "troops": ["soldiers", "Kim\u2019s army",
                                                                              "armed  forces"]}, ensure_ascii=False),
                                        encoding="utf-8")
    [group] = client.get("/editor/api/glossary", headers=BEARER).json["groups"]
    assert group["aliases"] == ["soldiers", "Kim\u2019s army", "armed  forces"]
    for alias, left in (("Kim\u2019s army", ["soldiers", "armed  forces"]), ("armed  forces", ["soldiers"])):
        removed = client.delete("/editor/api/glossary/aliases", headers=ANN, query_string={"name": "troops", "alias": alias})
        assert removed.status_code == 200, removed.json
        assert removed.json["group"]["aliases"] == left and removed.json["group"]["alias"] == alias
    assert glossary_file(root) == {"_about": NOTE, "troops": ["soldiers"]}
    changes = client.get("/editor/api/glossary", headers=BEARER).json["changes"]
    assert [c["aliases"] for c in changes] == [["armed  forces"], ["Kim\u2019s army"]]


def test_a_group_named_as_a_built_in_one_extends_it(client, garden_app):
    assert add_group(client, "North Korea", ["Hermit Kingdom"]).status_code == 201
    corpus = load_corpus(garden_app[1])
    assert "Pyongyang" in corpus.glossary["North Korea"] and "Hermit Kingdom" in corpus.glossary["North Korea"]


@pytest.mark.parametrize("request_, status, code, words", [
    (("group", "", []), 400, "invalid_name", "empty"),
    (("group", "   ", []), 400, "invalid_name", "empty"),
    (("group", None, []), 400, "invalid_name", "text"),
    (("group", "x" * 101, []), 400, "invalid_name", "101 characters"),
    (("group", "<>", []), 400, "invalid_name", "no letters"),
    (("group", "_hidden", []), 400, "invalid_name", "note"),
    (("group", "apples", "pomes"), 400, "invalid_aliases", "list"),
    (("group", "apples", ["pomes", ""]), 400, "invalid_name", "empty"),
    (("group", "Troops", []), 409, "duplicate_group", "troops"),
    (("group", "soldiers", []), 409, "alias_in_other_group", "troops"),
    # Defect: an alias typed twice was "already another name of 'apples' (in the corpus glossary)", a group
    # the glossary did not have.
    (("group", "apples", ["pomes", "Pomes"]), 409, "duplicate_alias", "'Pomes' is listed twice among the other "
                                                                      "names (as 'pomes'); list it once."),
    (("group", "apples", ["pomes", "pomes"]), 409, "duplicate_alias", "'pomes' is listed twice among the other "
                                                                      "names; list it once."),
    (("group", "apples", ["apples"]), 409, "duplicate_alias", "reads the same"),
    (("group", "capitals", ["Pyongyang"]), 409, "alias_in_other_group", "built-in glossary"),
    (("alias", "troops", "soldiers"), 409, "duplicate_alias", "already another name"),
    (("alias", "troops", "DPRK"), 409, "alias_in_other_group", "North Korea"),
    (("alias", "troops", "y" * 500), 400, "invalid_name", "500 characters"),
    (("alias", "cavalry", "horses"), 404, "unknown_group", "cavalry"),
    (("alias", "North Korea", "Norks"), 404, "unknown_group", "add a group of the same name"),
    (("remove", "troops", "grunts"), 404, "unknown_alias", "grunts"),
    (("remove", "troops", ""), 400, "invalid_name", "empty"),
    (("delete", "cavalry", None), 404, "unknown_group", "cavalry"),
])
def test_a_change_that_cannot_be_made_is_refused_saying_why_and_writes_nothing(client, garden_app, request_, status,
                                                                                code, words):
    root = garden_app[1]
    before = (root / "glossary.json").read_bytes()
    kind, name, value = request_
    if kind == "group":
        response = client.post("/editor/api/glossary/groups", headers=ANN, json={"name": name, "aliases": value})
    elif kind == "alias":
        response = add_alias(client, name, value)
    elif kind == "remove":
        response = client.delete("/editor/api/glossary/aliases", headers=ANN, query_string={"name": name, "alias": value})
    else:
        response = client.delete("/editor/api/glossary/groups", headers=ANN, query_string={"name": name})
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert words.lower() in response.json["error"]["message"].lower()
    assert (root / "glossary.json").read_bytes() == before
    assert client.get("/editor/api/glossary", headers=BEARER).json["changes"] == []


def test_markup_in_a_name_is_kept_as_the_text_it_is(client, garden_app):
    alias = '<script>alert("x")</script> grunts'
    assert add_alias(client, "troops", alias).status_code == 200
    assert glossary_file(garden_app[1])["troops"] == ["soldiers", alias]


def test_a_malformed_glossary_file_is_named_with_its_line_and_left_alone(client, garden_app):
    path = garden_app[1] / "glossary.json"
    path.write_text('{\n "troops": ["soldiers",]\n}\n', encoding="utf-8")
    response = add_alias(client, "troops", "grunts")
    assert response.status_code == 409 and response.json["error"]["code"] == "corpus_invalid"
    assert "glossary.json, line 2" in response.json["error"]["message"]
    assert path.read_text(encoding="utf-8") == '{\n "troops": ["soldiers",]\n}\n'


def test_a_glossary_that_cannot_be_written_is_left_whole(client, garden_app, monkeypatch):
    root = garden_app[1]
    before = (root / "glossary.json").read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.files.os.replace", fail)
    response = add_alias(client, "troops", "grunts")
    assert response.status_code == 503 and response.json["error"]["code"] == "glossary_write_failed"
    assert "No space left on device" in response.json["error"]["message"]
    assert (root / "glossary.json").read_bytes() == before
    assert sorted(p.name for p in root.iterdir() if p.name.endswith(".tmp")) == []  # no half-written file left


def test_a_glossary_is_made_when_the_corpus_has_none(client, garden_app):
    root = garden_app[1]
    (root / "glossary.json").unlink()
    assert add_group(client, "apples", ["pomes"]).status_code == 201
    assert glossary_file(root) == {"apples": ["pomes"]}


def test_a_new_synonym_answers_after_a_rebuild(client):
    question = {"question": "what about pippins"}
    assert client.post("/api/ask", json=question).json["abstained"]  # no word nor part of one is in the corpus
    assert add_group(client, "apples", ["pippins"]).status_code == 201
    assert client.post("/api/ask", json=question).json["abstained"]  # nothing changes until the rebuild
    status = client.post("/editor/api/rebuild", headers=BEARER, json={}).json
    assert status["index_fingerprint"] != status["previous_fingerprint"]
    answer = client.post("/api/ask", json=question).json
    assert not answer["abstained"] and answer["passage_id"] == "g1"
    tested = client.post("/editor/api/test", headers=BEARER, json=question).json
    assert tested["passages"][0]["matched"]["glossary"] == ["pippins"]
