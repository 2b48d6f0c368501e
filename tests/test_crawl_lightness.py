"""What a crawl does not load: the classifier when there is no mention to tag, torch or the
parent's main script in the crawl child; and progress comes batched, with final counts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.ground.config import Config
from crawler.ground.items import SOURCE_META, SourceRun
from crawler.store import ClassificationRow, Store
from schoolwatch.crawling import crawl
from schoolwatch.demo.server import FixtureServer
from schoolwatch.jobs import after_crawl
from tests.helpers import feed_source

ROOT = Path(__file__).resolve().parents[1]


def fake_torch(folder: Path) -> Path:
    """A `torch` package that leaves a marker file when anything imports it."""
    marker = folder / "torch-was-imported"
    package = folder / "fake" / "torch"
    package.mkdir(parents=True)
    package.joinpath("__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('fake torch for a test')\n"
    )
    return marker


def tag_everything(store: Store) -> int:
    ids = [row[0] for row in store.query("SELECT id FROM mention_records").rows]
    store.write_classifications(
        [
            ClassificationRow(
                mention_id=mention_id, sentiment="neutral", sentiment_score=0.5, risk="none",
                categories=(), risk_reasons={}, model_version="test",
            )
            for mention_id in ids
        ]
    )
    return len(ids)


class ModelLoaded(Exception):
    pass


def test_the_crawl_child_never_imports_torch(
    site: FixtureServer, write_config: Callable[..., Config], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = fake_torch(tmp_path)
    # The spawned child starts with the parent's sys.path, so it finds the fake first.
    monkeypatch.syspath_prepend(str(tmp_path / "fake"))
    config = write_config(
        feed_source("news", f"{site.base_url}/news/rss.xml")
        + '[[source]]\nname = "forum"\nkind = "forum"\n'
        f'url = "{site.base_url}/forum/talk/primary_education/index.html"\n'
    )
    report = crawl(config, config.source)
    assert report.new_mentions > 0 and not report.failed
    assert not marker.exists(), "the crawl child imported torch"


def test_after_crawl_loads_the_model_only_for_unclassified_mentions(
    site: FixtureServer, write_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    import classifiers.stored

    def no_model(settings: object) -> None:
        raise ModelLoaded

    monkeypatch.setattr(classifiers.stored, "classifier_for", no_model)
    config = write_config(feed_source("news", f"{site.base_url}/news/rss.xml"))
    report = crawl(config, config.source)
    store = Store(config.store.path)
    assert tag_everything(store) > 0
    assert after_crawl(config, report).classified.classified == 0

    with store.transaction() as con:  # one mention left untagged: now the model is needed
        con.execute("DELETE FROM classifications WHERE mention_id = "
                    "(SELECT min(mention_id) FROM classifications)")
    with pytest.raises(ModelLoaded):
        after_crawl(config, report)


def test_a_crawl_command_with_nothing_to_tag_never_imports_torch(
    site: FixtureServer, write_config: Callable[..., Config], tmp_path: Path
) -> None:
    config = write_config(feed_source("news", f"{site.base_url}/news/rss.xml"))
    crawl(config, config.source)
    tag_everything(Store(config.store.path))
    marker = fake_torch(tmp_path)
    script = (
        "import sys\nfrom schoolwatch.cli import cli\n"
        "cli(['crawl', '--config', sys.argv[1]], standalone_mode=False)\n"
        "print('torch' in sys.modules)\n"
    )
    path = os.pathsep.join([str(tmp_path / "fake"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", script, str(config.store.path.parent / "schoolwatch.toml")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path}, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "not modified (304)" in done.stdout  # the feed answered 304: nothing new
    assert "Tagged" not in done.stdout
    assert done.stdout.strip().endswith("False")
    assert not marker.exists(), "a crawl with nothing to tag imported torch"


def test_a_crawl_command_that_brings_nothing_new_never_imports_pyarrow(
    site: FixtureServer, write_config: Callable[..., Config], tmp_path: Path
) -> None:
    """Arrow (with numpy, ~0.2 s) is for writing new rows; an all-304 re-crawl has none. Neither
    the parent nor the crawl child (which starts with the parent's sys.path) may load it."""
    config = write_config(feed_source("news", f"{site.base_url}/news/rss.xml"))
    crawl(config, config.source)
    tag_everything(Store(config.store.path))
    script = (
        "import sys\nfrom schoolwatch.cli import cli\n"
        "cli(['crawl', '--config', sys.argv[1]], standalone_mode=False)\n"
        "print('arrow', 'pyarrow' in sys.modules, 'numpy' in sys.modules)\n"
    )
    marker = tmp_path / "pyarrow-was-imported"
    fake = tmp_path / "fake" / "pyarrow"
    fake.mkdir(parents=True)
    fake.joinpath("__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('fake pyarrow for a test')\n"
    )
    path = os.pathsep.join([str(tmp_path / "fake"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", script, str(config.store.path.parent / "schoolwatch.toml")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path}, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "not modified (304)" in done.stdout  # the feed answered 304: nothing new
    assert done.stdout.strip().endswith("arrow False False"), done.stdout[-300:]
    assert not marker.exists(), "a crawl that brought nothing new imported pyarrow"


def test_the_crawl_child_does_not_rerun_the_parents_main_script(
    site: FixtureServer, write_config: Callable[..., Config], tmp_path: Path
) -> None:
    config = write_config(feed_source("news", f"{site.base_url}/news/rss.xml"))
    marker = tmp_path / "main-imported-in-child"
    script = tmp_path / "schoolwatch_like.py"  # a file, like the `schoolwatch` console script
    script.write_text(
        "import sys\n"
        "if __name__ != '__main__':  # a spawned child imports it as __mp_main__\n"
        f"    open({str(marker)!r}, 'w').close()\n"
        "if __name__ == '__main__':\n"
        "    from schoolwatch.crawling import crawl\n"
        "    from crawler.ground.config import load_config\n"
        "    config = load_config(sys.argv[1])\n"
        "    print(crawl(config, config.source).new_mentions)\n"
    )
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, str(script), str(config.store.path.parent / "schoolwatch.toml")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path}, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 0
    assert not marker.exists(), "the crawl child re-ran the parent's main script"


class _Spider:
    def __init__(self) -> None:
        self.source = SimpleNamespace(name="forum")
        self.run = SourceRun(source="forum", started_at=datetime.now(UTC))


class _Response:
    url = "https://forum.example.org/t/1"
    status = 200
    request = SimpleNamespace(meta={SOURCE_META: "forum"})


def test_progress_is_batched_and_the_last_event_has_every_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crawler.engine import spider_process

    sent: list[tuple[str, spider_process.ProgressEvent]] = []
    channel = SimpleNamespace(put=sent.append)
    clock = iter(x * 0.001 for x in range(1, 10_000))  # a millisecond per call
    monkeypatch.setattr(spider_process.time, "monotonic", lambda: next(clock))
    spider = _Spider()
    tracker = spider_process.ProgressTracker(channel, [spider])
    tracker.opened(spider)
    for _ in range(300):
        tracker.response(_Response(), _Response.request, spider)
        tracker.scraped(SimpleNamespace(source="forum"), None, spider)
    tracker.closed(spider, "finished")
    events = [event for _, event in sent]
    assert events[0].event == "started" and events[-1].event == "finished"
    assert 2 < len(events) < 20  # every 0.1 s of the 0.6 s, not 600 events
    last = events[-1]
    assert (last.pages, last.items, last.kept) == (300, 300, 300)


def test_the_fast_paths_give_what_the_full_paths_give() -> None:
    """canonical_url and tidy_whitespace skip their work for input already in final form; on
    random input the skipped path must agree with the full one."""
    import random

    from crawler.ground import text, urls

    rng = random.Random(15)
    pieces = ["a", "B", "b.c", "127.0.0.1", ":80", ":443", ":8080", ":0", "/", "//", "/.",
              "/..", "/x", ".", "~", "-", "#", "#p1", "?", "?a=1", "%20", " ", "é", "+",
              ".html", "t/1#p3", "A.B", "#~"]
    fast = 0
    for _ in range(20_000):
        url = rng.choice(["http://", "https://"]) + "".join(
            rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        try:
            full = urls._canonical_url(url)
        except ValueError:
            continue
        assert urls.canonical_url(url) == full, url
        fast += urls._PLAIN_URL.fullmatch(url) is not None
    assert fast > 50  # the fast path was exercised
    assert urls.canonical_url("http://127.0.0.1:8080/t/12#p3") == "http://127.0.0.1:8080/t/12#p3"
    # A long address that is not plain must fail the check at once, not backtrack for ever.
    long_path = "http://forum.example.org/" + "a" * 60 + "/b.c" * 30 + "?page=2"
    assert urls.canonical_url(long_path) == urls._canonical_url(long_path)

    def tidy_in_full(value: str) -> str:
        lines = (text._SPACES.sub(" ", line).strip()
                 for line in value.replace("\r\n", "\n").split("\n"))
        return text._BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

    chars = ["a", " ", "\n", "\t", "\r", "\u00a0", "\u2003", "\u2028", "\x85", "."]
    for _ in range(20_000):
        value = "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))
        assert text.tidy_whitespace(value) == tidy_in_full(value), repr(value)
