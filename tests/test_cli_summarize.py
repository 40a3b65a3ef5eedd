"""`newsbot summarize PATH|-`: a post for good input, one clear line and exit 1 for bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

SAMPLE = (
    Path(__file__).resolve().parent.parent / "bot" / "samples" / "articles" / "harbour-bridge.txt"
)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sample_article_prints_headline_source_and_points(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "summarize", str(SAMPLE))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Harbour city opens its new tidal bridge after six years of work"
    points = [line for line in lines if line.startswith("• ")]
    assert 3 <= len(points) <= 5
    assert any(line.startswith("Source: Coastal Herald") for line in lines)
    assert "Subscribe" not in out
    assert "1968" not in out, "background context must not become a key point"


def test_json_format_and_points_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE), "--format", "json", "--points", "3")
    assert code == 0
    data = json.loads(out)
    assert data["headline"].startswith("Harbour city opens")
    assert len(data["key_points"]) == 3
    assert data["original_source"] == "Coastal Herald"


def test_html_format_is_telegram_html(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "summarize", str(SAMPLE), "--format", "html")
    assert code == 0
    assert out.startswith("<b>Harbour city opens")
    assert "• " in out


def test_stdin_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SAMPLE.read_bytes())))
    code, out, _ = run_cli(capsys, "summarize", "-")
    assert code == 0
    assert out.startswith("Harbour city opens")


def test_html_file_is_extracted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paragraphs = "".join(
        f"<p>{line}</p>" for line in SAMPLE.read_text(encoding="utf-8").splitlines()[2:8]
    )
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>Tidal bridge opens | Coastal Herald</title>"
        '<meta property="og:site_name" content="Coastal Herald"></head>'
        f"<body><nav>Home | World</nav><article><h1>Tidal bridge opens</h1>{paragraphs}"
        "</article><footer>© Coastal Herald</footer></body></html>",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, "summarize", str(page))
    assert code == 0, err
    assert out.startswith("Tidal bridge opens")
    assert "420-metre" in out or "148 million" in out or "Port Allerby" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty input"),
        (b"   \n\n\t ", "empty input"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary input"),
        (bytes(range(1, 32)) * 100, "binary input"),
    ],
)
def test_bad_input_is_one_line_error_with_nonzero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli(capsys, "summarize", str(path))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_points_out_of_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "summarize", str(SAMPLE), "--points", "9")
    assert code == 1
    assert "--points" in err


def test_windows_1251_file_is_decoded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "Уряд ухвалив новий бюджет\n"
        "Кабінет міністрів у четвер ухвалив проєкт державного бюджету на наступний рік. "
        "Видатки на оборону зростуть майже на третину. "
        "Документ тепер має розглянути Верховна Рада. "
        "Прем'єр-міністр назвав бюджет складним, але реалістичним.\n"
    )
    path = tmp_path / "cp1251.txt"
    path.write_bytes(text.encode("windows-1251"))
    code, out, err = run_cli(capsys, "summarize", str(path))
    assert code == 0, err
    assert out.startswith("Уряд ухвалив новий бюджет")


def test_console_script_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "summarize", str(SAMPLE), "--points", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Harbour city opens")
