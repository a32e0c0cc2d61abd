"""The house's layering, read from the code's imports (lazy ones inside functions included).

``archive/`` is the offline side: it reads and writes captures, records and releases without a
crawl, so it never imports ``crawler/`` nor Scrapy or Twisted. ``crawler/`` stands on it. The
mirror (``fixtures/``) stands apart, but for its demo, which runs a crawl. Every module imports
the project by its installed names (``ifes_archive.*``), never by the bare folder names, which
would load a second copy of a module when run from the checkout.

Inside ``archive/`` the layers stand in one order, each importing only those below it and itself:
a few loose modules at the bottom (:data:`LOOSE`), then WARC I/O (``warcs/``), page → record
(``page/``), the corpus (``corpus/``) and the release (``release/``, browsing included). The
record layer reads the bytes it is handed: it never imports the WARC writer.
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


#: archive/'s layers, bottom first: a module imports archive/ modules of its own layer or below.
LAYERS = ("", "warcs", "page", "corpus", "release")
#: The modules left loose at the top of archive/, the bottom layer: small, each used by several
#: layers. A new module goes into a layer; one more here is a decision, not an accident.
#: ``software``: the installed packages' versions, which records (page), the manifest (corpus),
#: the WACZ (warcs) and the release all name. ``types``: the typed record and its parts (the
#: capture pointer among them), which every layer holds.
LOOSE = ("__init__", "origin", "progress", "software", "terminal", "types", "workers")
ARCHIVE = "ifes_archive.archive"
WRITER = f"{ARCHIVE}.warcs.writer"


def layer_of(module: str) -> int:
    """Return the layer (an index of :data:`LAYERS`) of the archive module ``module``, a dotted
    name under ``ifes_archive.archive`` (a layer's package is of that layer); a loose module's
    layer is 0."""
    first = module.removeprefix(ARCHIVE).strip(".").split(".")[0]
    return LAYERS.index(first) if first in LAYERS else 0


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT / "archive").with_suffix("")
    return ".".join([ARCHIVE, *relative.parts]).removesuffix(".__init__")


def _archive_imports(path: Path) -> list[str]:
    return [n for n in imported(path) if n == ARCHIVE or n.startswith(ARCHIVE + ".")]


def test_the_layer_of_a_module_is_its_folder() -> None:
    assert layer_of("ifes_archive.archive.origin") == 0
    assert layer_of("ifes_archive.archive.warcs.reader") == 1
    assert layer_of("ifes_archive.archive.corpus.imports.cdx") == 3
    assert layer_of("ifes_archive.archive.release") == 4
    assert layer_of("ifes_archive.archive.release.build") == 4


def test_a_layering_breach_is_seen() -> None:
    """The check below, on made-up source: the corpus importing the release is caught, however
    the import is spelled."""
    corpus = layer_of("ifes_archive.archive.corpus.history")
    for source in ("from ifes_archive.archive.release import tables\n",
                   "from ifes_archive.archive import release\n",
                   "def f():\n    import ifes_archive.archive.release.build\n"):
        assert [n for n in imported_by(source) if layer_of(n) > corpus], source


@pytest.mark.parametrize("path", _modules("archive"), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_layer_imports_only_the_layers_below_it(path: Path) -> None:
    """WARC I/O never imports a page, a record, the corpus or the release; the page layer never
    the corpus or the release; the corpus never the release."""
    own = layer_of(_module_name(path))
    higher = [n for n in _archive_imports(path) if layer_of(n) > own]
    assert not higher, f"{path.relative_to(ROOT)} (layer {LAYERS[own] or 'loose'}) imports {higher}"


@pytest.mark.parametrize("path", sorted((ROOT / "archive" / "page").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_record_layer_never_imports_the_warc_writer(path: Path) -> None:
    assert not [n for n in imported(path) if n.startswith(WRITER)]


def test_the_loose_modules_at_the_bottom_are_the_listed_few() -> None:
    loose = sorted(p.stem for p in (ROOT / "archive").glob("*.py"))
    assert loose == sorted(LOOSE)
    folders = sorted(p.name for p in (ROOT / "archive").iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted(layer for layer in LAYERS if layer)


@pytest.mark.parametrize("path", [ROOT / "archive" / f"{name}.py" for name in LOOSE],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_loose_modules_import_no_layer(path: Path) -> None:
    """The bottom stays the bottom: a loose module imports no layer's module."""
    assert not [n for n in _archive_imports(path) if layer_of(n) > 0]
