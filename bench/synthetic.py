"""A deterministic synthetic corpus for speed benchmarks: passages and the questions they answer.

Words are drawn from a mixture, as in running English text:

* with probability 0.45, one of ~300 common English words (function words and everyday news words),
  Zipfian over that list (exponent 1.0);
* otherwise one of 200,000 made-up but pronounceable words ("brosta", "kelimun"), Zipf-Mandelbrot over
  rank r:  p(r) ~ 1 / (r + 2.7)^1.07, the shorter words the more frequent, so the number of distinct
  words grows with the corpus as in real archives (Heaps' law).

Passage lengths are log-normal with median 60 words (sigma 0.45: a quarter under ~44, a quarter over
~81), cut to 12..400, split into sentences of 6-21 words.  A fifth of the passages carry 1-2
"questions" (the FAQ-title / common-question field of the index).

`questions` samples 2-5 words of a passage, adds an opener ("how does", "what is"), and noise: an
unrelated word (30%), a typo (15%); the passage id is the relevant answer.

Everything is fixed by the seeds: the vocabulary by a constant, passages by `seed` in chunks of
1,000, so `passages(1_000)` is the first thousand of `passages(100_000)`.

    python bench/synthetic.py --passages 10000 --questions 1000 --out-dir /tmp/synthetic
"""

from __future__ import annotations

import argparse
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

VOCABULARY_SEED = 20_240_601
VOCABULARY_SIZE = 200_000
ENGLISH_SHARE = 0.45
ZIPF_EXPONENT = 1.07
ZIPF_SHIFT = 2.7
MEDIAN_LENGTH = 60
LENGTH_SIGMA = 0.45
MIN_LENGTH, MAX_LENGTH = 12, 400
QUESTION_SHARE = 0.2
NUMBER_SHARE = 0.015
CHUNK = 1_000

COMMON_ENGLISH = """
the of and to a in is that for it as was with be by on not he i this are or his from at which but have an
they you were her she there been one all we their has would when if so what out up more who will about can
its into them than only other new some could time these two may then do first any like now my such our over
man me even most made after also did many before must through back years where much your way well down
should because each just those people how too little state good very make world still own see men work
long here get both between life being under never day same another know while last might us great old year
off come since against go came right used take three government public country city war law court police
president minister party election vote policy bill tax money market price prices rate rates bank economy
growth jobs workers union strike company companies deal plan report data study health care hospital
school students children families women water energy power oil gas climate weather storm fire flood
military troops attack security border trade talks leaders officials rules agreement support cost costs
million billion percent month week today news says said told asked called reported according expected
early late high low big small major key local national international global north south east west
""".split()
COMMON_ENGLISH = list(dict.fromkeys(COMMON_ENGLISH))
_ENGLISH_SET = frozenset(COMMON_ENGLISH)

_ONSETS = "b c d f g h j k l m n p r s t v w z br cr dr fl gr pl st tr sh ch th kl sp".split()
_VOWELS = "a e i o u a e i o ai ea ou io".split()
_CODAS = ["", "", "", "n", "r", "s", "l", "m", "t", "nd", "st", "rk"]
_OPENERS = ["what is", "why", "how does", "when did", "who", "what about", "explain", "is the", "how much",
            "what happened to", "", "", "why is", "where"]
_TEMPLATES = ["What is {0} {1}?", "Why did {0} {1}?", "How does {0} affect {1}?", "When will {0} {1}?",
              "Who is {0}?", "What happened to {0} {1}?", "Is {0} {1} {2}?", "How much {0} {1}?"]
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?%?")


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The made-up words (most frequent first) and the cumulative probabilities of both word lists."""
    rng = np.random.default_rng(VOCABULARY_SEED)
    seen: set[str] = set(_ENGLISH_SET)
    made_up: list[str] = []
    while len(made_up) < VOCABULARY_SIZE:
        syllables = rng.choice([1, 2, 2, 3, 3, 4], size=4096)
        onsets = rng.integers(len(_ONSETS), size=(4096, 4))
        vowels = rng.integers(len(_VOWELS), size=(4096, 4))
        codas = rng.integers(len(_CODAS), size=(4096, 4))
        for row in range(4096):
            word = "".join(_ONSETS[onsets[row, s]] + _VOWELS[vowels[row, s]] + _CODAS[codas[row, s]]
                           for s in range(syllables[row]))
            if len(word) >= 3 and word not in seen:
                seen.add(word)
                made_up.append(word)
    made_up = made_up[:VOCABULARY_SIZE]
    # Shorter words are the frequent ones (Zipf's law of abbreviation); ties keep their random order.
    made_up.sort(key=len)
    ranks = np.arange(VOCABULARY_SIZE, dtype=np.float64)
    weights = 1.0 / (ranks + ZIPF_SHIFT) ** ZIPF_EXPONENT
    made_up_cdf = np.cumsum(weights / weights.sum())
    english = 1.0 / np.arange(1, len(COMMON_ENGLISH) + 1, dtype=np.float64)
    english_cdf = np.cumsum(english / english.sum())
    return made_up, made_up_cdf, english_cdf


def _draw_words(rng: np.random.Generator, count: int) -> list[str]:
    made_up, made_up_cdf, english_cdf = vocabulary()
    english = rng.random(count) < ENGLISH_SHARE
    uniform = rng.random(count)
    made_up_rank = np.minimum(np.searchsorted(made_up_cdf, uniform), len(made_up) - 1)
    english_rank = np.minimum(np.searchsorted(english_cdf, uniform), len(COMMON_ENGLISH) - 1)
    numbers = rng.random(count) < NUMBER_SHARE
    out = []
    for position in range(count):
        if numbers[position]:
            out.append(_number(rng))
        elif english[position]:
            out.append(COMMON_ENGLISH[english_rank[position]])
        else:
            out.append(made_up[made_up_rank[position]])
    return out


def _number(rng: np.random.Generator) -> str:
    kind = rng.integers(3)
    if kind == 0:
        return str(int(rng.integers(1950, 2031)))
    if kind == 1:
        return f"{rng.integers(1, 100)}.{rng.integers(0, 10)}%"
    return f"{int(rng.integers(2, 5000)):,}"


def _sentences(rng: np.random.Generator, tokens: list[str]) -> str:
    position = 0
    sentences = []
    while position < len(tokens):
        size = int(rng.integers(6, 22))
        sentence = tokens[position:position + size]
        position += size
        sentences.append(sentence[0].capitalize() + (" " + " ".join(sentence[1:]) if len(sentence) > 1 else "") + ".")
    return " ".join(sentences)


def _content(tokens: list[str]) -> list[str]:
    return [t for t in dict.fromkeys(tokens) if t not in _ENGLISH_SET and not t[0].isdigit()]


def passages(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` passages ``{"id", "text", "questions"}``; the same `seed` always gives the same passages."""
    if n < 0:
        raise ValueError(f"n must be a non-negative number of passages, got {n!r}")
    out: list[dict[str, Any]] = []
    for chunk_start in range(0, n, CHUNK):
        rng = np.random.default_rng([seed, chunk_start // CHUNK])
        # A whole chunk is always drawn, so that a smaller corpus is a prefix of a larger one.
        size = CHUNK
        lengths = np.clip(np.round(rng.lognormal(np.log(MEDIAN_LENGTH), LENGTH_SIGMA, size)), MIN_LENGTH, MAX_LENGTH)
        lengths = lengths.astype(int)
        words = _draw_words(rng, int(lengths.sum()))
        asked = rng.random(size) < QUESTION_SHARE
        offset = 0
        for row in range(size):
            tokens = words[offset:offset + lengths[row]]
            offset += lengths[row]
            questions: list[str] = []
            if asked[row]:
                content = _content(tokens) or tokens
                for _ in range(int(rng.integers(1, 3))):
                    picked = [content[i] for i in rng.integers(len(content), size=3)]
                    questions.append(_TEMPLATES[int(rng.integers(len(_TEMPLATES)))].format(*picked))
            out.append({"id": f"p{chunk_start + row:07d}", "text": _sentences(rng, tokens), "questions": questions})
    return out[:n]


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 4:
        return word
    at = int(rng.integers(1, len(word) - 1))
    if rng.random() < 0.5:
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return word[:at] + word[at + 1:]


def questions(passages: list[dict[str, Any]], n: int, seed: int = 1) -> list[dict[str, Any]]:
    """`n` questions ``{"id", "question", "relevant": [passage id]}``, each made from one passage's words."""
    if not passages:
        raise ValueError("questions need passages to be drawn from; got none")
    rng = np.random.default_rng(seed)
    made_up, made_up_cdf, _ = vocabulary()
    chosen = rng.integers(len(passages), size=n)
    out = []
    for number, row in enumerate(chosen):
        passage = passages[int(row)]
        tokens = _WORD.findall(passage["text"].lower())
        content = _content(tokens) or tokens
        size = min(len(content), int(rng.integers(2, 6)))
        picked = [content[i] for i in sorted(rng.choice(len(content), size=size, replace=False))]
        if rng.random() < 0.3:
            noise = made_up[min(int(np.searchsorted(made_up_cdf, rng.random())), len(made_up) - 1)]
            picked.insert(int(rng.integers(len(picked) + 1)), noise)
        if rng.random() < 0.15:
            at = int(rng.integers(len(picked)))
            picked[at] = _typo(rng, picked[at])
        opener = _OPENERS[int(rng.integers(len(_OPENERS)))]
        text = " ".join(([opener] if opener else []) + picked) + ("?" if rng.random() < 0.6 else "")
        out.append({"id": f"q{number:07d}", "question": text, "relevant": [passage["id"]]})
    return out


def write_jsonl(records: list[dict[str, Any]], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic corpus (passages.jsonl, queries.jsonl).")
    parser.add_argument("--passages", type=int, default=10_000, help="number of passages (default 10000)")
    parser.add_argument("--questions", type=int, default=1_000, help="number of questions (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="passage seed (questions use seed + 1)")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="folder for passages.jsonl and queries.jsonl (default bench/results/synthetic-<n>)")
    parser.add_argument("--quick", action="store_true", help="300 passages and 50 questions")
    args = parser.parse_args(argv)
    if args.quick:
        args.passages, args.questions = 300, 50
    out_dir = args.out_dir or Path(__file__).resolve().parent / "results" / f"synthetic-{args.passages}"
    corpus = passages(args.passages, seed=args.seed)
    asked = questions(corpus, args.questions, seed=args.seed + 1)
    write_jsonl(corpus, out_dir / "passages.jsonl")
    write_jsonl(asked, out_dir / "queries.jsonl")
    words = sum(len(p["text"].split()) for p in corpus)
    print(f"wrote {len(corpus):,} passages ({words / max(len(corpus), 1):.1f} words on average) and "
          f"{len(asked):,} questions to {out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
