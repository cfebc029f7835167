"""The command line: `python -m bot {train,ask,evaluate,serve}` and `python train.py`.

A thin layer: it parses arguments, calls the library, and turns its errors into
clean messages and exit codes (0 fine, 2 bad input or a damaged index).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import bundle
from .corpus import CorpusError, check_questions, default_questions, load_corpus, load_questions, never_answered
from .evaluate import compare_reports, evaluate, format_comparison, format_curves, format_table
from .index import IndexFormatError

_ROOT = Path(__file__).resolve().parent.parent


def default_index_dir() -> Path:
    """Where the server looks for its index: $INDEX_DIR, else instance/index."""
    return Path(os.environ.get("INDEX_DIR") or "instance/index")


def default_corpus_dir() -> Path:
    here = Path("corpus")
    return here if here.is_dir() else _ROOT / "corpus"


class Progress:
    """A one-line progress display on stderr (a line per step when stderr is not a terminal)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.perf_counter()
        self.last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        width = 24
        filled = int(width * done / max(total, 1))
        line = f"{stage:18} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {elapsed:5.1f}s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        elif done >= total or stage != self.last:
            self.stream.write(line + "\n")
        self.last = stage
        self.stream.flush()


def build_index(corpus_path: Path, out: Path, query_files: Sequence[str] = (), folds: int = 5,
                target_precision: float = 0.9, learn: bool = True, progress: Any = None):
    """What `train.py` does: load the corpus and its labelled questions, tune and calibrate, save the
    index atomically. Returns the answerer, the cross-validated report (None without labels) and a summary."""
    from .index_files import check_index_target, check_index_writable
    from .training import check_folds, train

    out = check_index_target(out)  # before half a minute of building, not after
    check_index_writable(out)
    corpus = load_corpus(corpus_path)
    questions = [q for file in query_files for q in load_questions(file)]
    if not query_files and corpus_path.is_dir():
        questions = default_questions(corpus_path)
    check_questions(questions, corpus)
    if questions:
        check_folds(folds, len(questions))
    started = time.perf_counter()
    answerer, report = train(corpus, questions, folds=folds, target_precision=target_precision, learn=learn,
                             progress=progress)
    summary = {
        "corpus": str(corpus_path), "out": str(out), "explainers": len(corpus.explainers),
        "passages": len(corpus.passages), "labelled_questions": len(questions),
        "labels_never_answered": [{"id": q.id, "source": q.source, "line": q.line} for q in never_answered(questions, corpus)],
        "corpus_fingerprint": corpus.fingerprint(), "seconds": round(time.perf_counter() - started, 2),
    }
    bundle.save(answerer, out, corpus.fingerprint(), report={**summary, **(report or {})})
    summary["index_fingerprint"] = answerer.index.fingerprint()
    return answerer, report, summary


def train_command(args: argparse.Namespace) -> int:
    corpus_path = Path(args.corpus) if args.corpus else default_corpus_dir()
    out = Path(args.out) if args.out else default_index_dir()
    if args.save_default_model and not args.queries and not (corpus_path.is_dir() and default_questions(corpus_path)):
        # Checked first: the index at --out would otherwise be replaced before the model could not be fitted.
        raise ValueError("--save-default-model needs labelled questions to fit the model on")
    answerer, report, summary = build_index(
        corpus_path, out, args.queries or [], folds=args.folds, target_precision=args.target_precision,
        learn=not args.no_learn, progress=None if args.quiet else Progress())
    if args.save_default_model:
        if report is None:
            raise ValueError("--save-default-model needs labelled questions to fit the model on")
        from .confidence import default_path
        from .corpus_model import faq_only

        faq = faq_only(answerer.explainers.values())
        path = default_path(faq)
        path.write_text(json.dumps(answerer.model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"Wrote the default confidence model for {'FAQ files' if faq else 'explainers'} to {path}", file=sys.stderr)
    stuck = summary["labels_never_answered"]
    if stuck:
        where = "; ".join(f"{q['id']} ({q['source']}, line {q['line']})" for q in stuck[:5])
        print(f"Warning: {len(stuck)} labelled question(s) name only passages the bot never answers with (off-topic "
              f"teasers or questions marked out of scope), so every evaluation counts them as misses: {where}"
              f"{' ...' if len(stuck) > 5 else ''}. Name the passage that answers, or relevant: [] if none does.",
              file=sys.stderr)
    if args.json:
        print(json.dumps({**summary, "evaluation": report}, ensure_ascii=False))
        return 0
    print(f"Built {out}: {summary['passages']} passages from {summary['explainers']} explainer(s) "
          f"in {summary['seconds']}s (index {summary['index_fingerprint']}).")
    if report is None:
        where = "in the --queries file(s)" if args.queries else "beside this corpus"
        print(f"No labelled questions {where}: default settings and the bundled confidence model were used, "
              "and there is nothing to evaluate. Score it with `python -m bot evaluate --index DIR --queries FILE`.")
    else:
        print(f"Settings chosen: {report['chosen']}; confidence threshold {report['threshold']:.3f} "
              f"(target precision {report['target_precision']:.0%}).")
        print(format_table(report, title=f"Evaluation ({report['method']}):"))
    return 0


def _answerer(index_dir: str | None):
    return bundle.load(Path(index_dir) if index_dir else default_index_dir())


def ask_command(args: argparse.Namespace) -> int:
    answerer = _answerer(args.index)
    if args.explainer and args.explainer not in answerer.explainers:
        known = ", ".join(sorted(answerer.explainers))
        raise CorpusError(args.index or str(default_index_dir()), None, f"unknown explainer {args.explainer!r}; known: {known}")
    answer = answerer.answer(args.question, explainer=args.explainer, history=args.history or [])
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return 0
    if answer.abstained:
        print(f"I don't know. ({answer.reason})")
        if answer.suggestions:
            print("I can answer:\n" + "\n".join(f"  - {s}" for s in answer.suggestions))
        return 0
    if answer.fallback:
        print(f"[From another explainer: {answer.explainer_title}]")
    print(answer.answer_sentence)
    print(f"\n  from: {answer.explainer_title} / {answer.section} ({answer.passage_id}), "
          f"confidence {answer.confidence:.0%}")
    for item in answer.disagreement:
        print(f"  {item['source']}: {', '.join(item['figures'])}")
    if answer.followups:
        print("  you could also ask:\n" + "\n".join(f"    - {f}" for f in answer.followups))
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    answerer = _answerer(args.index)
    questions = [q for file in args.queries for q in load_questions(file)]
    if not questions:
        raise CorpusError(args.queries[0], None, "no labelled questions in the file")
    known = set(answerer.passages)
    for question in questions:
        missing = [r for r in question.relevant if r not in known]
        if missing:
            raise CorpusError(question.source, question.line, f"passage id(s) not in this index: {', '.join(missing)}")
    report = evaluate(answerer, questions)
    report["index"] = str(args.index)
    report["index_fingerprint"] = answerer.index.fingerprint()
    if args.compare:
        report["compare"] = compare_reports(_previous_report(args.compare), report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(format_table(report, title=f"{len(questions)} questions from {', '.join(args.queries)} on {args.index}:"))
        print(format_curves(report))
        if args.compare:
            print(format_comparison(report["compare"]))
        failures = [o for o in report["per_question"] if not o["correct"]]
        if failures and args.failures:
            print(f"\nfailures ({len(failures)}):")
            for o in failures[: args.failures]:
                print(f"  {o['id']}: {o['question']!r} expected {o['relevant'] or 'abstain'}, got "
                      f"{'abstain' if o['abstained'] else o['top']} ({o['confidence']:.2f})")
    return 0


def _previous_report(path: str) -> dict[str, Any]:
    """A report saved by `evaluate --json` (or an editor console run's JSON), for --compare."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CorpusError(path, None, f"cannot read the previous report ({error.strerror})") from None
    except ValueError as error:
        raise CorpusError(path, None, f"not a JSON report ({error}); save one with `python -m bot evaluate --json`") from None
    if not isinstance(data, dict) or not isinstance(data.get("per_question"), list):
        raise CorpusError(path, None, "not an evaluation report: it has no 'per_question' list")
    return data


def _question(value: str) -> str:
    """A question with something to look up in it, as the API requires: blank is a usage error."""
    if not value.strip():
        raise argparse.ArgumentTypeError("the question is empty; type a question")
    return value


def _count(value: str) -> int:
    """0 or more: `--failures -3` listed every failure but the last 3."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{number} is not 0 or more")
    return number


def _port(value: str) -> int:
    """A TCP port number; 70000 would otherwise be taken modulo 65536 and listen on 4464."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def serve_command(args: argparse.Namespace) -> int:
    try:
        from web.serve import serve
    except ImportError as error:
        print(f"error: the web app is not installed ({error})", file=sys.stderr)
        return 2
    return serve(host=args.host, port=args.port, index_dir=args.index)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Answer readers' questions from news explainers.")
    commands = parser.add_subparsers(dest="command", required=True)

    train_parser = commands.add_parser("train", help="build, tune and evaluate the index (same as train.py)")
    add_train_arguments(train_parser)
    train_parser.set_defaults(run=train_command)

    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question", type=_question)
    ask.add_argument("--index", help="index folder (default: $INDEX_DIR or instance/index)")
    ask.add_argument("--explainer", help="answer from this explainer id")
    ask.add_argument("--history", action="append", help="an earlier question, oldest first (repeatable)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.set_defaults(run=ask_command)

    evaluate_parser = commands.add_parser("evaluate", help="score an index on labelled questions")
    evaluate_parser.add_argument("--index", required=True, help="index folder")
    evaluate_parser.add_argument("--queries", required=True, action="append", help="labelled questions JSONL (repeatable)")
    evaluate_parser.add_argument("--json", action="store_true", help="print one JSON record")
    evaluate_parser.add_argument("--failures", type=_count, default=0, metavar="N", help="list the first N failures")
    evaluate_parser.add_argument("--compare", metavar="PREVIOUS.json",
                                 help="an earlier `evaluate --json` report: list the questions that got better or worse")
    evaluate_parser.set_defaults(run=evaluate_command)

    serve_parser = commands.add_parser("serve", help="run the chat server (builds the index first if there is none)")
    serve_parser.add_argument("--host", default="127.0.0.1",
                              help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for every interface)")
    serve_parser.add_argument("--port", type=_port, default=8000, help="1-65535 (default 8000)")
    serve_parser.add_argument("--index", help="index folder (default: $INDEX_DIR or instance/index)")
    serve_parser.set_defaults(run=serve_command)
    return parser


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", help="a corpus folder (default corpus/) or one FAQ JSONL or explainer file")
    parser.add_argument("--out", help="index folder to write (default: $INDEX_DIR or instance/index)")
    parser.add_argument("--queries", action="append", help="labelled questions JSONL to tune on (default: <corpus>/eval/*.jsonl)")
    parser.add_argument("--json", action="store_true", help="print the evaluation as one JSON record")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--target-precision", type=float, default=0.9, help="precision the threshold aims for (default 0.9)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--no-learn", action="store_true",
                        help="do not add labelled questions to the index as phrasings of their passages")
    parser.add_argument("--save-default-model", action="store_true",
                        help="also store the fitted confidence model as the default for corpora without labels "
                             "(bot/calibration.json; for a corpus of FAQ files only, bot/calibration_faq.json)")


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv))


def train_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="train.py", description="Build, tune and evaluate the explainer index.")
    add_train_arguments(parser)
    parser.set_defaults(run=train_command)
    return run_command(parser.parse_args(argv))


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command; what goes wrong is said in one line with an exit code, never as a traceback."""
    try:
        return args.run(args)
    except BrokenPipeError:  # the reader of our output went away (| head): not an error of ours
        sys.stderr.close()
        return 0
    except (CorpusError, IndexFormatError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a read-only or full disk, a file where a folder should be
        if args.run is train_command:  # the old index, if any, is left as it was
            print(f"error: could not write the index: {error.strerror or error} ({error.filename or args.out})",
                  file=sys.stderr)
        else:
            print(f"error: {error.strerror or error}" + (f" ({error.filename})" if error.filename else ""),
                  file=sys.stderr)
        return 1
