"""Each word of the domain, and each rule, is declared once: these fail when a second copy
appears (a list of risks in a template, a source kind spelled out beside the registry, an
exception class outside errors.py, trailers stripped again downstream, the alert rule again)."""

from __future__ import annotations

import ast
import builtins
import os
import re
from importlib import resources
from pathlib import Path

from crawler.ground import errors
from crawler.ground.vocab import (
    SOURCE_KINDS,
    SOURCE_OPTIONS,
    SPIDER_REGISTRY,
    Risk,
    Sentiment,
    sentiment_colour,
    sentiment_label,
)

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("schoolwatch", "crawler", "spiders", "classifiers", "digest")
VOCAB = ROOT / "crawler" / "ground" / "vocab.py"
# Training data is sentences labelled with these words, not a declaration of them.
NOT_DECLARATIONS = ("classifiers/training/",)


def product_modules() -> list[Path]:
    return sorted(
        path for top in PRODUCT for path in (ROOT / top).rglob("*.py")
        if not path.relative_to(ROOT).as_posix().startswith(NOT_DECLARATIONS)
    )


def string_collections(path: Path) -> list[tuple[int, set[str]]]:
    """Each tuple, list, set or dict literal of the module with the strings it holds."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [key for key in node.keys if key is not None]
        else:
            continue
        words = {item.value for item in items
                 if isinstance(item, ast.Constant) and isinstance(item.value, str)}
        if words:
            found.append((node.lineno, words))
    return found


def copies_of(words: set[str], at_least: int) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}"
        for path in product_modules() if path != VOCAB
        for line, held in string_collections(path) if len(held & words) >= at_least
    ]


def test_risk_and_sentiment_words_are_listed_only_on_the_vocabulary() -> None:
    assert copies_of({s.value for s in Sentiment}, 2) == []
    assert copies_of({r.value for r in Risk} - {"none"}, 3) == []
    templates = [*(ROOT / "digest" / "templates").glob("*.j2"),
                 *(ROOT / "schoolwatch" / "web" / "templates").glob("*.html")]
    colour_maps = [str(t.relative_to(ROOT)) for t in templates
                   if re.search(r'["\']high["\']\s*:\s*["\']#', t.read_text())]
    assert colour_maps == []


def test_the_vocabulary_carries_orders_labels_and_colours() -> None:
    assert Sentiment.shown_order() == (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)
    assert Risk.most_urgent_first()[0] is Risk.HIGH and Risk.model_order()[0] is Risk.NONE
    assert sentiment_label("unclassified") == "Not yet classified"
    assert sentiment_label("negative") == "Negative"
    colours = {sentiment_colour(name) for name in ("positive", "neutral", "negative",
                                                   "unclassified")}
    assert len(colours) == 4 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert len({risk.colour for risk in Risk}) == len(Risk)


def test_source_kinds_come_from_the_spider_registry() -> None:
    from scrapy.utils.misc import load_object

    from spiders import SPIDERS

    assert tuple(SPIDER_REGISTRY) == SOURCE_KINDS
    assert {kind: entry.spider for kind, entry in SPIDER_REGISTRY.items()} == SPIDERS
    assert {kind: entry.options for kind, entry in SPIDER_REGISTRY.items()} == SOURCE_OPTIONS
    for kind, path in SPIDERS.items():
        spider = load_object(path)
        assert spider.name == kind
        assert "kind" not in vars(spider), f"{path} declares its kind again"
    assert copies_of(set(SOURCE_KINDS), 3) == []


def test_there_is_one_example_config() -> None:
    packaged = resources.files("crawler.ground").joinpath("example_config.toml")
    assert os.path.samefile(str(packaged), ROOT / "config" / "example.toml")


def test_every_exception_is_declared_in_errors_py() -> None:
    exception_names = {name for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, BaseException)}
    exception_names |= {name for name, value in vars(errors).items()
                        if isinstance(value, type) and issubclass(value, BaseException)}
    elsewhere = []
    for path in product_modules():
        if path == ROOT / "crawler" / "ground" / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id in exception_names for base in node.bases
            ):
                elsewhere.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert elsewhere == []


def uses_of(name: str) -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix() for path in product_modules()
        if re.search(rf"\b{name}\(", path.read_text())
        and not re.search(rf"^def {name}\(", path.read_text(), re.MULTILINE)
    )


def test_trailers_are_stripped_once_in_the_pipeline() -> None:
    assert uses_of("without_trailers") == ["crawler/engine/pipelines.py"]


def test_the_alert_rule_is_applied_once_in_the_store() -> None:
    assert uses_of("alertable") == []
    assert not [path for path in product_modules() if "def alertable(" in path.read_text()]
    sql = (ROOT / "crawler" / "store" / "digests.py").read_text()
    assert "ALERT_RISK" in sql and "NEVER_ALERTED" in sql


def test_the_page_budget_is_worked_out_once() -> None:
    assert uses_of("page_budget") != []
    copies = [path.relative_to(ROOT).as_posix() for path in product_modules()
              if re.search(r"\w\.max_pages\s+or\b", path.read_text())]
    assert copies == ["crawler/ground/config.py"]
