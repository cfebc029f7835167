"""The command line, and the acceptance questions on the shipped corpus and the real seed page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tiny_corpus import QUESTIONS, write_corpus

from bot.cli import main
from bot.corpus import load_corpus

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "explainers"
needs_seed = pytest.mark.skipif(not SEED.is_dir(), reason="needs ../shared/explainers (not present in a fresh clone)")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    root = write_corpus(tmp_path_factory.mktemp("corpus"))
    out = root.parent / "index"
    assert main(["train", "--corpus", str(root), "--out", str(out), "--quiet", "--folds", "3", "--json"]) == 0
    return out


def test_train_json_is_one_record(tmp_path, capsys):
    root = write_corpus(tmp_path / "corpus")
    code, out, _ = run(capsys, "train", "--corpus", str(root), "--out", str(tmp_path / "idx"), "--quiet", "--folds", "3", "--json")
    record = json.loads(out)
    assert code == 0 and record["passages"] == 15 and record["labelled_questions"] == 12
    for key in ("acc@1", "mrr@10", "recall@5", "abstain_precision", "abstain_recall"):
        assert key in record["evaluation"]


def test_train_warns_of_labels_that_name_only_a_passage_never_given_as_an_answer(tmp_path, capsys):
    # A label naming an off-topic teaser ("Who won the Club World Cup?" on the rates page) can never be met:
    # the bot never answers with such a teaser, so the question counted as a miss in every evaluation, unsaid.
    root = write_corpus(tmp_path / "corpus")
    with open(root / "eval" / "questions.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "cup", "question": "who won the club world cup", "relevant": ["rates:common:2"]}) + "\n")
    code, out, err = run(capsys, "train", "--corpus", str(root), "--out", str(tmp_path / "idx"), "--quiet", "--folds", "3", "--json")
    assert code == 0 and json.loads(out)["labels_never_answered"] == [
        {"id": "cup", "source": str(root / "eval" / "questions.jsonl"), "line": len(QUESTIONS) + 1}]
    assert "1 labelled question(s) name only passages the bot never answers with" in err and "cup (" in err
    # The shipped-style corpus without such a label says nothing.
    code, _, err = run(capsys, "train", "--corpus", str(write_corpus(tmp_path / "clean")), "--out", str(tmp_path / "i2"),
                       "--quiet", "--folds", "3", "--json")
    assert code == 0 and "Warning" not in err


def test_ask_json_has_the_documented_keys(tiny_index, capsys):
    code, out, _ = run(capsys, "ask", "how many instruments does the lander carry", "--index", str(tiny_index), "--json")
    answer = json.loads(out)
    assert code == 0
    for key in ("abstained", "confidence", "passage_id", "passage_text", "answer_sentence", "section",
                "explainer_id", "alternatives", "followups"):
        assert key in answer
    assert answer["ranking"][0] == "moon:papers:1"


def test_ask_with_history_and_scope(tiny_index, capsys):
    code, out, _ = run(capsys, "ask", "why?", "--index", str(tiny_index), "--explainer", "rates",
                       "--history", "what has the bank raised its interest rate to", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["context_used"] == "what has the bank raised its interest rate to"


def test_ask_unknown_explainer_is_a_clean_error(tiny_index, capsys):
    code, _, err = run(capsys, "ask", "x", "--index", str(tiny_index), "--explainer", "nope")
    assert code == 2 and "unknown explainer 'nope'" in err


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_a_blank_question_is_a_usage_error(tiny_index, capsys, question):
    # It was answered "I don't know", as if the explainers had been searched; the API refuses it (400).
    with pytest.raises(SystemExit) as exited:
        main(["ask", question, "--index", str(tiny_index)])
    captured = capsys.readouterr()
    assert exited.value.code == 2 and "the question is empty" in captured.err and captured.out == ""


def test_evaluate_json(tiny_index, tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "a", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]}\n'
                       '{"id": "b", "question": "best pizza recipe", "relevant": []}\n')
    code, out, _ = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(queries), "--json")
    report = json.loads(out)
    assert code == 0 and report["n"] == 2
    for key in ("acc@1", "mrr@10", "recall@5", "abstain_precision", "abstain_recall", "per_question"):
        assert key in report


@pytest.mark.parametrize("count", ["-3", "x"])
def test_evaluate_failures_must_be_a_count(tiny_index, capsys, count):
    # --failures -3 listed every failure but the last three, as a Python slice does.
    with pytest.raises(SystemExit) as exited:
        main(["evaluate", "--index", str(tiny_index), "--queries", "questions.jsonl", "--failures", count])
    assert exited.value.code == 2 and "argument --failures" in capsys.readouterr().err


def test_evaluate_table_keeps_its_headings_apart_and_under_their_columns(tiny_index, tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "a", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]}\n'
                       '{"id": "b", "question": "best pizza recipe", "relevant": []}\n')
    code, out, _ = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(queries))
    lines = out.splitlines()
    header = next(line for line in lines if "acc@1" in line)
    headings = header.split()
    assert code == 0 and headings[:4] == ["n", "acc@1", "mrr@10", "recall@5"] and "abstain_precision" in headings
    row = next(line for line in lines if line.startswith("all"))
    for heading in headings:  # each figure ends where its heading ends
        end = header.index(f" {heading}") + 1 + len(heading)
        assert row[end - 1] != " " and (end == len(row) or row[end] == " ")


def test_compare_matches_questions_by_id_and_text(tiny_index, tmp_path, capsys):
    # Two uploads both called up1.csv share ids (up1.csv:3): "who is jerome powell" was reported as
    # "better" than another file's "fed rate peak".
    from bot.evaluate import compare_reports

    row = {"id": "up1.csv:3", "relevant": ["moon:summary:1"], "top": "moon:summary:1", "rank": 1, "abstained": False,
           "confidence": 0.9}
    before = {"per_question": [{**row, "question": "fed rate peak", "correct": False}]}
    after = {"per_question": [{**row, "question": "who is jerome powell", "correct": True}]}
    compared = compare_reports(before, after)
    assert compared["better"] == [] and compared["changed_question"] == ["up1.csv:3"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"per_question": [1, 2]}')
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "a", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]}\n')
    code, _, err = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(queries), "--compare", str(bad))
    assert code == 2 and "per-question rows" in err


def test_compare_says_when_the_runs_asked_different_questions(tiny_index, tmp_path, capsys):
    # Compared with a run of other questions, the table said "0 better, 0 worse" beside "change: acc@1 -0.500",
    # as if the bot had got worse; the questions asked in only one run went unmentioned.
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text('{"id": "a", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]}\n'
                     '{"id": "b", "question": "best pizza recipe", "relevant": ["moon:papers:1"]}\n')
    second.write_text('{"id": "a", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]}\n'
                      '{"id": "c", "question": "who is anna kovac", "relevant": ["rates:entity:1"]}\n')
    code, out, _ = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(first), "--json")
    previous = tmp_path / "run.json"
    previous.write_text(out)
    code, out, _ = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(second), "--compare", str(previous))
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("compared with the previous run"))
    assert code == 0 and lines[start] == "compared with the previous run: 0 better, 0 worse, 1 unchanged"
    assert lines[start + 1] == "  not in both runs: 1 question(s) only in this one, 1 only in the previous; new: c; gone: b"
    assert lines[start + 2].startswith("  change over different questions: acc@1 +0.500")
    # The same questions again: a plain change line, and nothing said of questions in one run only.
    code, out, _ = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(first), "--compare", str(previous))
    assert "not in both runs" not in out and "\n  change: acc@1 +0.000" in out


def test_evaluate_unknown_passage_id_names_file_and_line(tiny_index, tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"question": "a", "relevant": ["moon:summary:1"]}\n{"question": "b", "relevant": ["moon:nope:9"]}\n')
    code, _, err = run(capsys, "evaluate", "--index", str(tiny_index), "--queries", str(queries))
    assert code == 2 and "line 2" in err and "moon:nope:9" in err


def test_missing_index_is_a_clean_error(tmp_path, capsys):
    code, _, err = run(capsys, "ask", "x", "--index", str(tmp_path / "none"))
    assert code == 2 and "train.py" in err


def test_malformed_corpus_stops_training_and_keeps_the_old_index(tiny_index, tmp_path, capsys):
    before = (tiny_index / "index.json").read_text()
    broken = tmp_path / "broken"
    (broken / "explainers").mkdir(parents=True)
    (broken / "explainers" / "bad.txt").write_text("Some stray line\nWhat's happened\nText.\n")
    code, _, err = run(capsys, "train", "--corpus", str(broken), "--out", str(tiny_index), "--quiet")
    assert code == 2 and "bad.txt, line 1" in err
    assert (tiny_index / "index.json").read_text() == before


def test_training_never_writes_over_what_is_not_an_index(tmp_path, capsys):
    # --out once deleted whatever folder it named (notes, a corpus) and renamed a file away.
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "keep.txt").write_text("mine")
    a_file = tmp_path / "questions.jsonl"
    a_file.write_text("{}\n")
    for target in (notes, a_file):
        code, _, err = run(capsys, "train", "--out", str(target), "--quiet")
        assert code == 2 and "refusing to write an index" in err
    assert (notes / "keep.txt").read_text() == "mine" and a_file.read_text() == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "questions.jsonl"]  # nothing renamed away


def test_the_command_a_half_copied_index_asks_for_rebuilds_it(tiny_index, tmp_path, capsys):
    # An index folder copied without its index.json: the error said to run `python train.py --out DIR`, and
    # train.py then refused DIR as "not an index folder", leaving the operator to delete it by hand.
    partial = tmp_path / "index"
    shutil.copytree(tiny_index, partial)
    (partial / "index.json").unlink()
    code, _, err = run(capsys, "ask", "what is the rate", "--index", str(partial))
    assert code == 2 and f"`python train.py --out {partial}`" in err
    corpus = write_corpus(tmp_path / "corpus")
    code, _, err = run(capsys, "train", "--corpus", str(corpus), "--out", str(partial), "--quiet", "--folds", "3")
    assert code == 0, err
    assert run(capsys, "ask", "what is the rate", "--index", str(partial))[0] == 0


def test_training_never_writes_over_other_files_beside_the_remains_of_an_index(tmp_path, capsys):
    folder = tmp_path / "index"
    folder.mkdir()
    (folder / "arrays.bin").write_bytes(b"\0" * 64)
    (folder / "keep.txt").write_text("mine")
    code, _, err = run(capsys, "train", "--out", str(folder), "--quiet")
    assert code == 2 and "refusing to write an index" in err
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.bin", "keep.txt"]


def test_training_never_deletes_a_file_put_beside_an_index(tiny_index, tmp_path, capsys):
    # An index folder holding a file of an operator's (notes.txt) was replaced whole, and the file went with it.
    import shutil

    folder = tmp_path / "index"
    shutil.copytree(tiny_index, folder)
    (folder / "notes.txt").write_text("built for the election night")
    before = (folder / "index.json").read_bytes()
    code, _, err = run(capsys, "train", "--out", str(folder), "--quiet")
    assert code == 2 and "beside the index it holds other files (notes.txt)" in err and "move them out" in err
    assert (folder / "notes.txt").read_text() == "built for the election night"
    assert (folder / "index.json").read_bytes() == before
    (folder / "notes.txt").unlink()  # moved out: the index is replaced
    corpus = write_corpus(tmp_path / "corpus")
    code, _, _ = run(capsys, "train", "--corpus", str(corpus), "--out", str(folder), "--quiet", "--folds", "3")
    assert code == 0 and sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in tiny_index.iterdir())


@pytest.mark.parametrize("folds, message", [("1", "at least 2"), ("0", "at least 2"), ("1000", "labelled questions")])
def test_impossible_folds_are_refused_before_anything_is_built(tiny_index, tmp_path, capsys, folds, message):
    # --folds 30 once dropped every labelled question silently; --folds 1 chose a threshold on nothing.
    before = (tiny_index / "index.json").read_text()
    code, _, err = run(capsys, "train", "--out", str(tiny_index), "--folds", folds, "--quiet")
    assert code == 2 and message in err and (tiny_index / "index.json").read_text() == before


def test_too_few_labelled_questions_for_any_folds_say_so(tmp_path, capsys):
    # With one labelled question, "--folds 2 needs at least 4 ...: use --folds 2 or fewer" sent the editor
    # back to the very option that had failed.
    root = write_corpus(tmp_path / "corpus")
    queries = tmp_path / "one.jsonl"
    queries.write_text('{"id": "a", "question": "where did selene-2 land", "relevant": ["moon:summary:1"]}\n')
    code, _, err = run(capsys, "train", "--corpus", str(root), "--queries", str(queries), "--out", str(tmp_path / "idx"),
                       "--folds", "2", "--quiet")
    assert code == 2 and "needs at least 4 labelled questions (2 folds of 2); there are 1" in err
    assert "use --folds" not in err and not (tmp_path / "idx").exists()


def test_an_index_folder_can_be_read_by_other_users(tmp_path):
    import stat

    from bot import bundle
    from bot.confidence import ConfidenceModel

    root = write_corpus(tmp_path / "corpus")
    folder = bundle.save(bundle.build(load_corpus(root), model=ConfidenceModel.default()), tmp_path / "index")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


@pytest.fixture(scope="module")
def shipped_index(tmp_path_factory):
    out = tmp_path_factory.mktemp("shipped") / "index"
    assert main(["train", "--corpus", str(REPO / "corpus"), "--out", str(out), "--quiet", "--json"]) == 0
    return out


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    if not SEED.is_dir():
        pytest.skip("needs ../shared/explainers (not present in a fresh clone)")
    out = tmp_path_factory.mktemp("seed") / "index"
    assert main(["train", "--corpus", str(SEED), "--out", str(out), "--quiet", "--json"]) == 0
    return out


@pytest.mark.parametrize("which", ["shipped_index", "seed_index"])
def test_acceptance_shells_answered_from_the_papers(which, request, capsys):
    index = request.getfixturevalue(which)
    capsys.readouterr()
    _, out, _ = run(capsys, "ask", "how many shells has north korea sent", "--index", str(index), "--json")
    answer = json.loads(out)
    assert not answer["abstained"]
    assert answer["section"] == "What the papers say"
    assert "12 million" in answer["answer_sentence"]


@pytest.mark.parametrize("which", ["shipped_index", "seed_index"])
def test_acceptance_club_world_cup_abstains(which, request, capsys):
    index = request.getfixturevalue(which)
    capsys.readouterr()
    _, out, _ = run(capsys, "ask", "who won the club world cup", "--index", str(index), "--json")
    assert json.loads(out)["abstained"]


def test_a_file_where_the_index_folder_s_parent_should_be_is_named(tmp_path, capsys):
    # Defect: `python -m bot train --out notes.txt/index` ended in a FileExistsError traceback (train.py said it).
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    code, _, err = run(capsys, "train", "--out", str(notes / "index" / "v1"), "--quiet")
    assert code == 1 and err.startswith("error: could not write the index: ") and str(notes) in err
    assert "Traceback" not in err and notes.read_text() == "mine"


def test_a_system_error_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    # `python -m bot` let an OSError out as a traceback, where `train.py` said it in one line.
    from bot import index_files

    def full_disk(folder):
        raise OSError(28, "No space left on device", str(folder))

    monkeypatch.setattr(index_files, "check_index_writable", full_disk)
    code, _, err = run(capsys, "train", "--out", str(tmp_path / "index"), "--quiet")
    assert code == 1 and err.strip() == f"error: could not write the index: No space left on device ({tmp_path / 'index'})"
