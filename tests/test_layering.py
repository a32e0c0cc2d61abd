"""The house's layering, read from the code's imports (lazy ones inside functions included).

``archive/`` is the offline side: it reads and writes captures, records and releases without a
crawl, so it never imports ``crawler/`` nor Scrapy or Twisted. ``crawler/`` stands on it. The
mirror (``fixtures/``) stands apart, but for its demo, which runs a crawl. Every module imports
the project by its installed names (``ifes_archive.*``), never by the bare folder names, which
would load a second copy of a module when run from the checkout.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("archive", "crawler", "fixtures", "tests", "bench")


def imported(path: Path) -> list[str]:
    """Return every module ``path`` imports by absolute name (a relative import stays inside its
    own package: the clean-room mirror, fixtures/stranger/, imports itself so)."""
    return imported_by(path.read_text(encoding="utf-8"), str(path))


def imported_by(source: str, filename: str = "<source>") -> list[str]:
    """Return every module ``source`` imports by absolute name."""
    tree = ast.parse(source, filename)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            # each name too: ``from ifes_archive import crawler`` imports ifes_archive.crawler
            names += [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def test_a_from_import_names_each_module_it_may_import() -> None:
    names = imported_by("from ifes_archive import crawler\ndef f():\n    import scrapy.http\n")
    assert "ifes_archive.crawler" in names and "scrapy.http" in names


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("archive"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_archive_side_never_imports_the_crawler(path: Path) -> None:
    bad = [name for name in imported(path)
           if name.split(".")[0] in ("scrapy", "twisted") or name.startswith("ifes_archive.crawler")]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_mirror_runs_a_crawl_only_in_its_demo() -> None:
    crawling = sorted(str(p.relative_to(ROOT)) for p in _modules("fixtures")
                      if any(n.startswith("ifes_archive.crawler") for n in imported(p)))
    assert crawling == ["fixtures/demo.py"]


def test_the_project_is_imported_by_its_own_names() -> None:
    bare = [f"{p.relative_to(ROOT)}: {name}" for folder in FOLDERS for p in _modules(folder)
            for name in imported(p) if name.split(".")[0] in ("archive", "crawler", "fixtures")]
    assert not bare
