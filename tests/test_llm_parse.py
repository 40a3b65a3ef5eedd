"""The model's answer is found whether it is bare JSON, fenced, or wrapped in chatter."""

import json

import pytest

from bot.errors import LLMOutputError
from bot.llm.parse import parse_answer

ANSWER = {
    "headline": "Bridge approved",
    "key_points": ["The council voted 7 to 2.", "It opens in 2028."],
}


def test_bare_json_is_parsed() -> None:
    answer = parse_answer(json.dumps(ANSWER))
    assert answer.headline == "Bridge approved"
    assert answer.key_points == ("The council voted 7 to 2.", "It opens in 2028.")


def test_fenced_json_with_chatter_around_it_is_parsed() -> None:
    fenced = f"```json\n{json.dumps(ANSWER, indent=2)}\n```"
    text = f"Sure! Here is the summary:\n\n{fenced}\nHope it helps."
    assert parse_answer(text).key_points == ("The council voted 7 to 2.", "It opens in 2028.")


def test_a_reasoning_models_draft_is_ignored() -> None:
    draft = json.dumps({"headline": "draft", "key_points": ["A draft point."]})
    text = f"<think>First a draft: {draft}. Better now.</think>\n{json.dumps(ANSWER)}"
    assert parse_answer(text).headline == "Bridge approved"


def test_a_brace_in_the_preamble_does_not_hide_the_object() -> None:
    text = "Format {headline, key_points} as asked: " + json.dumps(ANSWER)
    assert parse_answer(text).headline == "Bridge approved"


def test_an_object_nested_under_another_key_is_found() -> None:
    text = json.dumps({"result": ANSWER})
    assert parse_answer(text).headline == "Bridge approved"


def test_alternative_key_names_and_blank_points_are_tolerated() -> None:
    text = json.dumps({"title": "T", "points": ["  One point.  ", "", 7, "Two."]})
    answer = parse_answer(text)
    assert answer.headline == "T"
    assert answer.key_points == ("One point.", "Two.")


def test_missing_headline_gives_an_empty_one() -> None:
    assert parse_answer('{"key_points": ["Only a point."]}').headline == ""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "The council approved the bridge.",
        '{"headline": "x", "key_points": ["unterminated"',
        "{'headline': 'x', 'key_points': ['single quotes']}",
        '{"headline": "x", "key_points": []}',
        '{"headline": "x", "key_points": {"a": 1}}',
        '["a list", "not an object"]',
    ],
)
def test_answers_without_usable_points_raise_a_typed_error(text: str) -> None:
    with pytest.raises(LLMOutputError):
        parse_answer(text)
