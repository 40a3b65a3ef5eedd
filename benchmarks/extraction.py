"""Score `bot.feeds.extract.extract_article` on the Zyte article-extraction benchmark.

Runs our extractor and plain `trafilatura.extract` (default, and without comments, the
0.960 configuration of the published table) on the same 181 pages in one process and
prints, for each, F1 / precision / recall / accuracy (the benchmark's own shingle metric, see
../shared/data/extraction-benchmark/SOURCE.md), ± bootstrap deviations, the median and total
extraction time, and, for ours, the share of pages with a title, a site name and a date, and how
often the post's publisher and original source match the hand labels (docs/summaries.md).

    .venv/bin/python benchmarks/extraction.py [--data DIR] [--runs 3]  (timing: best of N per page)
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.feeds.extract import extract_article  # noqa: E402
from bot.model import Article  # noqa: E402
from bot.summarize import summarize_article  # noqa: E402
from bot.text.outlets import normalise  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "extraction-benchmark"
LABELS = REPO / "tests" / "attribution_labels.json"
_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Overlapping 4-token shingles; 1-3 tokens make one short shingle, no tokens none."""
    words = tokens(text)
    if not words:
        return Counter()
    count = max(1, len(words) - SHINGLE + 1)
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(count))


def page_counts(truth: str, prediction: str) -> tuple[float, float, float]:
    """TP, FP, FN over shingle multisets, normalised to sum to 1 (each page weighs the same)."""
    want, got = shingles(truth), shingles(prediction)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def corpus_scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(F1, precision, recall): precision averaged over non-empty predictions only."""
    precision = statistics.mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    return 2 * precision * recall / (precision + recall), precision, recall


@dataclass
class Result:
    name: str
    counts: list[tuple[float, float, float]]
    exact: list[bool]
    millis: list[float]

    def report(self, rng: random.Random, n_bootstrap: int = 1000) -> str:
        f1, p, r = corpus_scores(self.counts)
        accuracy = statistics.mean(self.exact)
        samples = []
        n = len(self.counts)
        for _ in range(n_bootstrap):
            picks = [rng.randrange(n) for _ in range(n)]
            scores = corpus_scores([self.counts[i] for i in picks])
            samples.append((*scores, statistics.mean(self.exact[i] for i in picks)))
        sd = [statistics.stdev(column) for column in zip(*samples, strict=True)]
        return (
            f"{self.name:<34} F1 {f1:.3f} ± {sd[0]:.3f}  P {p:.3f} ± {sd[1]:.3f}  "
            f"R {r:.3f} ± {sd[2]:.3f}  acc {accuracy:.3f} ± {sd[3]:.3f}  "
            f"median {statistics.median(self.millis):.1f} ms/page  "
            f"total {sum(self.millis) / 1000:.2f} s"
        )


def run(
    extractors: dict[str, Callable[[str, str], str]],
    pages: list[tuple[str, str, str]],
    runs: int,
) -> list[Result]:
    """Score every extractor; timings interleave them page by page so load hits all alike."""
    results = {name: Result(name, [], [], []) for name in extractors}
    for html, url, truth in pages:
        for name, extract in extractors.items():
            best = float("inf")
            text = ""
            for _ in range(runs):
                start = time.perf_counter()
                text = extract(html, url)
                best = min(best, (time.perf_counter() - start) * 1000)
            result = results[name]
            result.counts.append(page_counts(truth, text))
            result.exact.append(tokens(truth) == tokens(text))
            result.millis.append(best)
    return list(results.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3, help="time each page this many times (min)")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, item in sorted(truth.items()):
        html = gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
        pages.append((html, item["url"], item["articleBody"]))

    articles = {}

    def ours(html: str, url: str) -> str:
        article = extract_article(html, url)
        articles[url] = article
        return article.text

    def plain(html: str, url: str) -> str:
        return trafilatura.extract(html) or ""

    def no_comments(html: str, url: str) -> str:
        return trafilatura.extract(html, include_comments=False) or ""

    extractors = {
        "trafilatura.extract (default)": plain,
        "trafilatura include_comments=False": no_comments,
        "newsbot extract_article": ours,
    }
    results = run(extractors, pages, args.runs)
    rng = random.Random(0)
    print(f"{len(pages)} pages from {args.data}")
    for result in results:
        print(result.report(rng))
    found = list(articles.values())
    share = {
        field: sum(1 for a in found if getattr(a, field)) / len(found)
        for field in ("title", "site_name", "published", "author", "language")
    }
    print("newsbot metadata coverage: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items()))
    print_source_lines(articles)
    return 0


def print_source_lines(articles: dict[str, Article]) -> None:
    """Publisher and original source against the hand labels (tests/attribution_labels.json)."""
    if not LABELS.exists():
        return
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    publisher = original = 0
    for label in labels.values():
        summary = summarize_article(articles[label["url"]], max_points=3)
        publisher += _named(summary.publisher, label["publisher"])
        original += _named(summary.original_source, label["original"])
    total = len(labels)
    print(
        f"source line vs hand labels: publisher {publisher}/{total} ({publisher / total:.1%}), "
        f"original source incl. none {original}/{total} ({original / total:.1%})"
    )


def _named(name: str | None, accepted: list[str]) -> bool:
    if not accepted:
        return name is None
    return name is not None and normalise(name) in {normalise(a) for a in accepted}


if __name__ == "__main__":
    raise SystemExit(main())
