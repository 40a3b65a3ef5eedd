"""ROUGE and speed of the summariser against Lead-3 on the shared CNN/DailyMail and XSum dev sets.

    .venv/bin/python benchmarks/summaries.py                 # both dev sets, 3 points
    .venv/bin/python benchmarks/summaries.py --limit 500     # quicker while iterating
    .venv/bin/python benchmarks/summaries.py --data ../shared/data/multilingual/fr-dev.jsonl
    .venv/bin/python benchmarks/summaries.py --part train    # or test: a fixed half of each file

CNN/DailyMail text is lower-cased and PTB-tokenised. The summariser gets a light detokenisation
(brackets, quotes, "n't", spaces before punctuation) so it sees prose; its output is re-tokenised
the same way before scoring, and Lead-3 (the first three sentences of the same input) goes through
the same path, so both are scored alike against the references exactly as given. ROUGE is
rouge-score's F1 with the Porter stemmer; ROUGE-Lsum uses newline-joined sentences. Files in other
languages (rows with a "lang" other than "en") are scored with Unicode tokens (lower-cased `\\w+`,
no stemmer): rouge-score's default tokeniser drops every non-ASCII letter. Single-sentence and
non-English references are also compared at one point against Lead-1.

`--part train|test` keeps one fixed half of each file (by a hash of the row's id), so any weight
tuned on the dev-train half can be checked on the dev-test half. "cut" is the share of our points
that end in "…" (a sentence cut at a clause rather than kept whole).

The summariser is any `bot.summarize.Summarizer`. The LLM backend is scored the same way
against any OpenAI-compatible endpoint (not run in CI; its fallbacks to extractive are counted
and shown):

    .venv/bin/python benchmarks/summaries.py --backend llm --limit 100 \
        --base-url http://127.0.0.1:11434/v1 --model qwen2.5:7b [--api-key-env OPENAI_API_KEY]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rouge_score import rouge_scorer

from bot import config
from bot.llm.summarizer import LLMSummarizer
from bot.model import Article
from bot.runtime import build_summarizer as build_configured
from bot.text.sentences import split_sentences
from bot.text.summarize import (
    ExtractiveSummarizer,
    Summarizer,
    summarize_article,
    summarize_text,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = (
    REPO.parent / "shared/data/cnndm/dev.jsonl",
    REPO.parent / "shared/data/xsum/dev.jsonl",
)
METRICS = ("rouge1", "rouge2", "rougeLsum")
SYNTHETIC_BYTES = 1_000_000

_PTB_BRACKETS = {"-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}"}
_DETOKENISE = (
    (re.compile(r"``\s*"), '"'),
    (re.compile(r"\s*''"), '"'),
    (re.compile(r"\s+(n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1"),
    (re.compile(r"([(\[{])\s+"), r"\1"),
    (re.compile(r"\s+([.,;:!?%)\]}])"), r"\1"),
)
_RETOKENISE = (
    (re.compile(r"(\w)(n't)\b", re.IGNORECASE), r"\1 \2"),
    (re.compile(r"(\w)('s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1 \2"),
)


@dataclass(frozen=True)
class Example:
    """One article with its reference highlights."""

    article: str
    references: list[str]
    language: str = "en"


@dataclass
class Result:
    """Per-system ROUGE sums and per-article timings."""

    totals: dict[str, float]
    count: int = 0
    points: int = 0
    cut: int = 0  # points ending in "…": a sentence cut rather than whole

    def add(self, scores: dict[str, float]) -> None:
        for metric in METRICS:
            self.totals[metric] += scores[metric]
        self.count += 1

    def mean(self, metric: str) -> float:
        return 100 * self.totals[metric] / max(self.count, 1)


def detokenise(text: str) -> str:
    """PTB-tokenised text → plain prose (case unchanged)."""
    for token, bracket in _PTB_BRACKETS.items():
        text = text.replace(token, bracket)
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    return text


def retokenise(text: str) -> str:
    """Split clitics back off ("don't" → "do n't") so words match the tokenised references."""
    for pattern, replacement in _RETOKENISE:
        text = pattern.sub(replacement, text)
    return text


class UnicodeTokenizer:
    """Lower-cased Unicode word tokens: ROUGE for languages beyond ASCII (no stemmer)."""

    _WORD = re.compile(r"\w+")

    def tokenize(self, text: str) -> list[str]:
        return self._WORD.findall(text.lower())


def in_part(row_id: str, part: str | None) -> bool:
    """True when the row belongs to `part` ("train" or "test": a fixed half by id hash)."""
    if part is None:
        return True
    even = int(hashlib.sha1(row_id.encode("utf-8")).hexdigest()[-2], 16) % 2 == 0
    return even == (part == "train")


def read_examples(path: Path, limit: int | None, part: str | None = None) -> Iterator[Example]:
    with path.open(encoding="utf-8") as handle:
        count = 0
        for number, line in enumerate(handle):
            if limit is not None and count >= limit:
                return
            row = json.loads(line)
            if not in_part(str(row.get("id", number)), part):
                continue
            count += 1
            highlights = row.get("highlights", row.get("reference"))
            references = [highlights] if isinstance(highlights, str) else list(highlights)
            tokenised = path.parent.name == "cnndm"
            article = detokenise(row["article"]) if tokenised else row["article"]
            yield Example(article, references, row.get("lang", "en"))


def lead(text: str, points: int) -> list[str]:
    """The first `points` sentences of the text, split the same way the summariser splits."""
    return split_sentences(text)[:points]


def build_summarizer(args: argparse.Namespace) -> Summarizer:
    """The backend to benchmark, built exactly as the bot builds it from its configuration."""
    llm = {
        "base_url": args.base_url,
        "model": args.model,
        "api_key_env": args.api_key_env,
        # Score every article: no daily budget here.
        "daily_budget": 10**9,
    }
    if args.timeout:
        llm["timeout"] = args.timeout
    raw = {"summarizer": {"backend": args.backend, "max_points": args.points, "llm": llm}}
    api_key = os.environ.get(args.api_key_env) if args.api_key_env else None
    return build_configured(config.parse(raw, {}, origin="arguments"), api_key=api_key)


def language_of(path: Path) -> str:
    """The language of a data file's rows (its first row's "lang", else English)."""
    with path.open(encoding="utf-8") as handle:
        return str(json.loads(handle.readline()).get("lang", "en"))


async def evaluate(
    path: Path, summarizer: Summarizer, points: int, limit: int | None, part: str | None = None
) -> tuple[Result, Result, list[float]]:
    if language_of(path) == "en":
        scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    else:
        scorer = rouge_scorer.RougeScorer(list(METRICS), tokenizer=UnicodeTokenizer())
    ours, baseline = Result(dict.fromkeys(METRICS, 0.0)), Result(dict.fromkeys(METRICS, 0.0))
    timings: list[float] = []
    # The extractive backend is timed on its own, without the hop to a worker thread the bot
    # adds around it (about 0.3 ms here); any other backend through its async interface.
    own_cost = isinstance(summarizer, ExtractiveSummarizer)
    for example in read_examples(path, limit, part):
        article = Article(text=example.article)
        started = time.perf_counter()
        if own_cost:
            summary = summarize_article(article, max_points=points)
        else:
            summary = await summarizer.summarize(article, max_points=points)
        timings.append(1000 * (time.perf_counter() - started))
        reference = "\n".join(example.references)
        ours.points += len(summary.key_points)
        ours.cut += sum(point.endswith("…") for point in summary.key_points)
        for result, sentences in (
            (ours, summary.key_points),
            (baseline, lead(example.article, points)),
        ):
            prediction = "\n".join(retokenise(s) for s in sentences)
            scores = scorer.score(reference, prediction)
            result.add({metric: scores[metric].fmeasure for metric in METRICS})
    return ours, baseline, timings


def time_enormous(paths: list[Path], summarize: Callable[[str], object]) -> tuple[int, float]:
    """Summarise ~1 MB of real prose glued together; return its size and the seconds it took."""
    parts: list[str] = []
    size = 0
    while size < SYNTHETIC_BYTES:
        for path in paths:
            for example in read_examples(path, None):
                parts.append(example.article)
                size += len(example.article.encode("utf-8")) + 1
                if size >= SYNTHETIC_BYTES:
                    break
            if size >= SYNTHETIC_BYTES:
                break
    text = "\n".join(parts)
    started = time.perf_counter()
    summarize(text)
    return len(text.encode("utf-8")), time.perf_counter() - started


def print_rows(
    name: str, points: int, ours: Result, baseline: Result, timings: list[float]
) -> None:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0
    median = statistics.median(ordered) if ordered else 0.0
    cut = 100 * ours.cut / max(ours.points, 1)
    for label, result, timing in (
        (f"ours@{points}", ours, f"median {median:.2f} ms, p95 {p95:.2f} ms, cut {cut:.1f}%"),
        (f"lead-{points}", baseline, ""),
    ):
        scores = " ".join(f"{result.mean(metric):6.2f}" for metric in METRICS)
        print(f"{name:<8} {label:<10} {result.count:>5} {scores}  {timing}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, action="append", help="a dev.jsonl (repeatable)")
    parser.add_argument("--limit", type=int, help="only the first N articles of each file")
    parser.add_argument("--points", type=int, default=3, help="key points per summary")
    parser.add_argument("--backend", default="extractive", choices=["extractive", "llm"])
    parser.add_argument("--base-url", default="http://127.0.0.1:11434/v1", help="LLM endpoint")
    parser.add_argument("--model", default="qwen2.5:7b", help="LLM model name")
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY", help="variable with the key")
    parser.add_argument("--timeout", type=float, help="LLM timeout in seconds")
    parser.add_argument("--part", choices=["train", "test"], help="one fixed half of each file")
    parser.add_argument("--no-enormous", action="store_true", help="skip the 1 MB timing")
    args = parser.parse_args()
    paths = args.data or list(DEFAULT_DATA)
    summarizer = build_summarizer(args)
    print(f"{'dataset':<8} {'system':<10} {'n':>5} {'R-1':>6} {'R-2':>6} {'R-Lsum':>6}  timing")
    for path in paths:
        language = language_of(path)
        name = path.parent.name if language == "en" else f"{path.parent.name[:5]}-{language}"
        # XSum references are one sentence, other languages are judged at one point too
        one_point = name == "xsum" or language != "en"
        for points in [args.points] + ([1] if one_point and args.points != 1 else []):
            ours, baseline, timings = asyncio.run(
                evaluate(path, summarizer, points, args.limit, args.part)
            )
            print_rows(name, points, ours, baseline, timings)
    if isinstance(summarizer, LLMSummarizer):
        stats = summarizer.stats
        print(f"llm: {stats.requests} requests, fallbacks {dict(stats.fallbacks) or 'none'}")
        return
    if args.no_enormous:
        return
    size, seconds = time_enormous(paths, summarize_text)
    print(f"enormous text: {size / 1e6:.2f} MB summarised in {seconds:.3f} s")


if __name__ == "__main__":
    main()
