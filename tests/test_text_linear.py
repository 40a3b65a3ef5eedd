"""Worst-case inputs cost the text core no more than ordinary text of the same size.

No wall-clock limits: each check compares the cost of a hostile input with the cost of an
ordinary (or eight times smaller) input measured in the same run, so a loaded machine slows both.
A quadratic regex or loop is hundreds of times over the bound; linear code is well under it.
"""

import json
import time
from collections.abc import Callable

import pytest

from bot.text.attribution import source_from_lines, source_from_text, split_title
from bot.text.boilerplate import is_boilerplate, is_promotional
from bot.text.clean import clean_document
from bot.text.outlets import choose_publisher
from bot.text.sentences import split_sentences
from bot.text.summarize import summarize_text

_SIZE = 8_000  # characters: the old quadratic splitter took seconds here, the linear one < 10 ms
_FACTOR = 10  # hostile input may cost this many times ordinary text of the same size
_SLACK = 0.02  # seconds: timer and scheduling noise on tiny costs
_TRIES = 3


def _cost(function: Callable[[str], object], text: str, *, under: float = 0.0) -> float:
    """The least time of a few runs (stops early once a run comes in `under` a bound)."""
    best = float("inf")
    for _ in range(_TRIES):
        started = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - started)
        if best <= under:
            break
    return best


def _ordinary(size: int) -> str:
    """Prose of one-word sentences: as many boundaries as a hostile run of spaced marks has."""
    sentence = "Wait. What? No! Go. "
    return (sentence * (size // len(sentence) + 1))[:size]


def _assert_linear(function: Callable[[str], object], hostile: str) -> None:
    baseline = _cost(function, _ordinary(len(hostile)))
    bound = _FACTOR * baseline + _SLACK
    assert _cost(function, hostile, under=bound) <= bound


_RUNS = [".", "!", "?", ".!", "?!", "!?.", "…", ".…", '."', ". ", " .", "! ", "?! "]


@pytest.mark.parametrize("mark", _RUNS)
@pytest.mark.parametrize(
    "function",
    [split_sentences, clean_document, summarize_text],
    ids=["split_sentences", "clean_document", "summarize_text"],
)
def test_a_long_run_of_sentence_marks_costs_what_ordinary_text_does(function, mark):
    """ "Wait" + 10,000 dots + "what" took 2.5 s (40,000: 40 s): every dot restarted the scan."""
    hostile = "Wait" + mark * (_SIZE // len(mark)) + "what"
    _assert_linear(function, hostile)


@pytest.mark.parametrize("run", [". ", " .", "! ", "? ", '." '])
def test_promotion_check_scans_a_run_of_spaced_dots_once(run):
    """'. . . .' made the call-to-action pattern rescan the rest of the run from every dot."""
    hostile = "Wait" + run * (_SIZE // len(run)) + "what"
    _assert_linear(is_promotional, hostile)
    _assert_linear(lambda text: is_boilerplate(text, [text]), hostile)


@pytest.mark.parametrize("gap", [" ", "\n", "\t "])
def test_a_source_line_with_a_long_gap_is_trimmed_in_one_pass(gap):
    """A "Source:" line with thousands of spaces made the trimming pattern quadratic."""
    hostile = "Reuters" + gap * (_SIZE // len(gap)) + "x"
    _assert_linear(lambda text: source_from_lines([("source", text)]), hostile)


@pytest.mark.parametrize("atom", ["A.", "A-", "Ab.", "A.b"])
def test_dotted_capitals_start_one_name_candidate_not_one_per_letter(atom):
    hostile = atom * (_SIZE // len(atom)) + " reported"
    _assert_linear(lambda text: source_from_text([text]), hostile)
    _assert_linear(split_title, "A headline - " + hostile)


@pytest.mark.parametrize(
    "unit",
    [". ", "x\n", "word, ", "Wait" + "." * 1000 + "what "],
    ids=["spaced-dots", "wrapped-lines", "run-on-sentence", "dot-runs"],
)
def test_pathological_text_scales_linearly(unit):
    """Eight times the text costs about eight times as much (quadratic code: 64 times)."""
    small = unit * (25_000 // len(unit))
    large = small * 8
    bound = 2 * 8 * _cost(summarize_text, small) + _SLACK
    assert _cost(summarize_text, large, under=bound) <= bound


def test_real_articles_scale_linearly_up_to_a_megabyte(shared_data):
    truth = (shared_data / "extraction-benchmark" / "ground-truth.json").read_text()
    bodies = [v["articleBody"] for v in json.loads(truth).values()]
    large = "\n\n".join(bodies * (1 + 1_000_000 // sum(map(len, bodies))))[:1_000_000]
    small = large[: len(large) // 8]
    bound = 2 * 8 * _cost(summarize_text, small) + _SLACK
    assert _cost(summarize_text, large, under=bound) <= bound
    assert 1 <= len(summarize_text(large).key_points) <= 4


@pytest.mark.parametrize("unit", [" ", " | ", " - ", "A.", "Ab "])
def test_publisher_names_from_hostile_titles_and_site_names_cost_one_pass(unit):
    hostile = "News" + unit * (_SIZE // len(unit)) + "x"
    _assert_linear(
        lambda text: choose_publisher([text, text], text, "https://example.com/a"), hostile
    )
