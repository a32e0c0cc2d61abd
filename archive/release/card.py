"""The dataset card (``README.md``): a Hugging Face YAML header, then what a reader needs.

The header names the languages, licence, pretty name, size category and the configs that map
each table to its Parquet files, so ``datasets.load_dataset(RELEASE_DIR)`` loads it. The body:
what the release holds (with plots), how it was collected (crawl windows and software from the
WARC files' warcinfo, counts and failures from the run reports, politeness, extractor versions),
its fields (from the record schema), its coverage and known gaps (flags, empty fields, failures,
exclusions), its changes, how to load it and how to cite it. How it was collected, its coverage
and its changes are told by :mod:`.card_collection`; what it discloses by :mod:`.disclosure`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.release.card_collection import changes_note, collection, coverage_and_gaps
from ifes_archive.archive.release.disclosure import (
    example_record,
    not_captured,
    personal_data,
)
from ifes_archive.archive.release.escape import SPREADSHEET_NOTE, markdown_table
from ifes_archive.archive.release.identity import (
    DOI_PLACEHOLDER,
    NOT_NAMED,
    PUBLISHER,
    PUBLISHER_RU,
    URL_PLACEHOLDER,
)
from ifes_archive.archive.release.package import yaml_string
from ifes_archive.archive.release.tables import json_type

if TYPE_CHECKING:
    from pathlib import Path

    from ifes_archive.archive.release.changes import Changes
    from ifes_archive.archive.release.coverage import Coverage
    from ifes_archive.archive.release.identity import Identity
    from ifes_archive.archive.release.privacy import PersonalData
    from ifes_archive.archive.release.rows import ArticleRow
    from ifes_archive.archive.release.warcs import Copies

#: Hugging Face size categories: (upper bound, label).
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                   (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


@dataclass
class CardFacts:
    """Everything the card tells."""

    identity: Identity
    coverage: Coverage
    tables: dict[str, dict[str, dict[str, Any]]]
    """Table -> its columns (JSON Schema properties)."""
    parquet: dict[str, list[str]]
    """Table -> its Parquet files, relative to the release."""
    parts: list[tuple[str, int, int]]
    """(part, files, bytes) of every part of the release."""
    plots: dict[str, str]
    copies: Copies
    """The release's WARC copies: the crawl runs they tell, what they hold."""
    reports: list[dict[str, Any]]
    changes: Changes
    scope: list[str]
    out_of_scope: int
    excluded: Counter
    corpus_source: str
    all_versions: bool
    wacz: str | None
    """The WACZ's file name, or why there is none."""
    personal: PersonalData | None = None
    """The personal data the released rows carry, and whether e-mail addresses were masked."""
    example: ArticleRow | None = None
    """One row of ``articles``, as written."""


def size_category(rows: int) -> str:
    """Return the Hugging Face size category of ``rows`` rows."""
    return next((label for bound, label in SIZE_CATEGORIES if rows < bound), "n>10M")


def languages_of(coverage: Coverage) -> list[str]:
    """Return the ISO 639-1 codes of the released texts, sorted."""
    return sorted(code for code in coverage.languages if code != "unknown")


def header(facts: CardFacts) -> list[str]:
    """Return the YAML header (between its ``---`` lines)."""
    identity = facts.identity
    lines = ["---", f"pretty_name: {yaml_string(identity.title)}", "language:"]
    lines += [f"- {code}" for code in languages_of(facts.coverage)]
    lines.append(f"license: {identity.license.lower()}")
    if not identity.open_license:
        lines += ["license_name: rights-reserved-by-authors-and-publisher",
                  "license_link: README.md"]
    lines += ["size_categories:", f"- {size_category(facts.coverage.rows)}",
              "multilinguality:", "- multilingual" if len(facts.coverage.languages) > 1
              else "- monolingual", "source_datasets:", "- original", "language_creators:",
              "- found", "annotations_creators:", "- no-annotation", "tags:", "- web-archive",
              "- warc", "- wacz", "- area-studies", "- japan", "- russia", "configs:"]
    for number, (table, files) in enumerate(facts.parquet.items()):
        lines += [f"- config_name: {table}", "  data_files:", "  - split: train", "    path:"]
        lines += [f"    - {name}" for name in files]
        if number == 0:
            lines.append("  default: true")
    return [*lines, "---"]


def summary(facts: CardFacts) -> str:
    """Return the one-paragraph description of the release (card, datapackage, citation)."""
    coverage, identity = facts.coverage, facts.identity
    # per article: with every version, rows are versions
    counted = coverage.article_languages or coverage.languages
    languages = ", ".join(f"{n:,} {code}" for code, n in
                          sorted(counted.items(), key=lambda item: (-item[1], item[0])))
    years = f", published {coverage.published[0][:4]}–{coverage.published[1][:4]}" \
        if coverage.published else ""
    kept = "every version of each" if facts.all_versions else "the newest version of each"
    return (f"{coverage.articles:,} articles ({languages}){years}, from the publications site of "
            f"the {PUBLISHER} ({PUBLISHER_RU}), {identity.site}: title, authors, dates, "
            f"sections, language and full text of {kept}, with the history of their versions and "
            "a pointer to the exact web-archive capture (WARC record) each came from.")


def type_label(spec: dict[str, Any]) -> str:
    """Return a column's type in words (``list of struct {name, spellings}``)."""
    kind, nullable = json_type(spec)
    if kind == "array":
        label = "list of " + type_label(spec.get("items", {}))
    elif kind == "object":
        label = "struct {" + ", ".join(spec["properties"]) + "}" if "properties" in spec \
            else "JSON text"
    else:
        label = {"date": "date", "date-time": "timestamp (UTC)"}.get(spec.get("format", ""), kind)
    return label + (" or null" if nullable else "")


def _human(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return str(size)


#: What ``tokens/`` holds (``ifes-archive release --tokens``; archive/release/tokens.py).
TOKENS_NOTE = (
    "`tokens/` is the lemma layer: one tab-separated file per row of `articles` "
    "(`ARTICLE_ID.tsv`), one line per word of its text, with the columns `article_id`, "
    "`version`, `paragraph` (1-based, as blank lines part the text), `token` (1-based in its "
    "paragraph), `form` (as printed), `lemma`, `upos` (Universal Dependencies part of speech) "
    "and `tag` (the OpenCorpora tag). Russian words are read by pymorphy3 with the OpenCorpora "
    "dictionary, its most likely reading (homonyms are not disambiguated by context); numbers "
    "are `NUM`; other words have no lemma and `X`. Punctuation is not a token.")


def _what(facts: CardFacts) -> list[str]:
    lines = ["## What is in it", "", summary(facts), ""]
    if facts.scope:
        lines += ["This release is limited to articles " + "; ".join(facts.scope) + ".", ""]
    lines += markdown_table(["part", "files", "size"],
                            [[f"`{name}`", f"{files:,}", _human(size)]
                             for name, files, size in facts.parts])
    lines += ["`data/` holds six tables, each in a folder of its own (`data/NAME/`) as "
              "Parquet (typed: dates are dates, lists are lists, authors are structs) and as "
              "JSON Lines: `articles` (one row per article"
              + (" version" if facts.all_versions else "") + "), `versions` (one row per version "
              "of each article), `captures` (one row per WARC record a version was built from), "
              "`changes` (one row per step in an article's history: `added`, `edited`, "
              "`withdrawn`, `restored`, with the fields that changed, their old and new values "
              "and the words and paragraphs of the text that changed; computed from every "
              "version the archive holds, released or not); they join on `article_id` and "
              "`version` (`changes`: `from_version`, `to_version`); `persons` (one row per author "
              "across articles, spellings and scripts) joins `articles` on "
              "`authors[].person_id`; `sections` (one row per section, its Russian and "
              "English names, parent and kind) joins `articles` on `section_ids`. What "
              "changed since an "
              "earlier release is the `changes` rows whose `to_seen` is after that release's "
              "newest `last_seen` in `versions`. `texts/` has the text of each row of "
              "`articles` as a UTF-8 file named by article and version, `texts/ID-vN.txt` (the "
              "same name in every release that holds that version) and `metadata.csv` one row "
              "per file, the form corpus tools (AntConc, Sketch Engine, quanteda) read; "
              + SPREADSHEET_NOTE + ".", ""]
    if any(name == "tokens/" for name, _, _ in facts.parts):
        lines += [TOKENS_NOTE, ""]
    for name, caption in facts.plots.items():
        lines += [f"![{caption}](plots/{name})", ""]
    return lines


def _loading(facts: CardFacts) -> list[str]:
    articles = _glob("articles")
    return ["## How to load it", "",
            "Each table is a folder of `data/`, `data/NAME/`: its Parquet shards "
            "(`NAME-0000K-of-0000N.parquet`) and the same rows as JSON Lines (`NAME.jsonl`). "
            "Read a table by the glob of its own folder's shards (`data/articles/*.parquet`); "
            "`data/*.parquet` matches no table. Run these inside the release folder:", "",
            "```python", "import glob", "", "import pandas as pd",
            f'articles = pd.concat(map(pd.read_parquet, sorted(glob.glob("{articles}"))),',
            "                     ignore_index=True)", "", "import polars as pl",
            f'captures = pl.read_parquet("{_glob("captures")}")', "", "import duckdb",
            f"by_language = duckdb.sql(\"SELECT language, count(*) FROM '{articles}' \"",
            '                         "GROUP BY 1").fetchall()', "",
            "import os", "", "from datasets import load_dataset",
            "# this folder by the card's configs, articles by default (datasets takes the "
            "folder's name:", '# load_dataset(".") fails, it has none)',
            "dataset = load_dataset(os.getcwd())",
            'versions = load_dataset(os.getcwd(), "versions")["train"]', "```", "",
            f"In R: `articles <- as.data.frame(arrow::open_dataset(Sys.glob(\"{articles}\")))` "
            "(every shard of the folder), or with quanteda "
            "`readtext::readtext(\"texts/*.txt\")` and `readr::read_csv(\"metadata.csv\")` "
            "(joined on the file name; base R: `read.csv(\"metadata.csv\", fileEncoding = "
            "\"UTF-8-BOM\")`). `ifes-archive browse .` opens the release in Datasette (search, "
            "facets, links to each capture) for those who do not program.", ""]


def _glob(table: str) -> str:
    """Return the glob of a table's Parquet shards, relative to the release folder."""
    return f"data/{table}/*.parquet"


def _fields(facts: CardFacts) -> list[str]:
    lines = ["## Fields", "", "Generated from the record's types (`archive/types.py` of "
             "ifes-archive, the JSON Schema `archive/page/record.schema.json`); `datapackage.json` "
             "has the same as Frictionless table schemas. Records carry two fields releases "
             "built before ifes-archive's typed records lacked: `digest` (what the version says, "
             "as `versions` has it) and, in each pointer of `captures`, the `page` it holds.",
             ""]
    for table, properties in facts.tables.items():
        where = "`metadata.csv`" if table == "metadata" else f"`{table}`"
        lines += [f"### {where}", ""]
        lines += markdown_table(["field", "type", "description"],
                                [[f"`{name}`", type_label(spec), spec.get("description", "")]
                                 for name, spec in properties.items()])
    return lines


def _replay(facts: CardFacts) -> list[str]:
    if facts.wacz is None or not facts.wacz.endswith(".wacz"):
        return ["## Captures", "", f"No WACZ in this release: {facts.wacz}.", ""]
    return ["## Captures and replay", "", f"`{facts.wacz}` (WACZ 1.1.1) holds the WARC "
            "captures of the released articles and of the site's other pages, their replay "
            "index, and one page entry per article" + (" version, at the capture it came from"
            if facts.all_versions else "") + " (title, date, text). Open it in "
            "ReplayWeb.page (<https://replayweb.page/>, *Choose File*), or serve it with pywb; "
            "`captures` tells which record of which WARC file inside it each version came "
            "from.", ""]


def _terms(facts: CardFacts) -> list[str]:
    identity = facts.identity
    if identity.open_license:
        return ["## Licence", "", f"{identity.license}.", ""]
    return ["## Licence and terms", "", "The texts are the work of their authors and were "
            f"published by the {PUBLISHER}; the rights remain theirs. This release is a web "
            "archive compiled for research (text and data mining, citation, verification of "
            "sources); ask the publisher before republishing texts.", ""]


def _citation(facts: CardFacts) -> list[str]:
    identity = facts.identity
    authors = " and ".join(c.split("<")[0].strip() for c in identity.creators) or NOT_NAMED
    key = f"{identity.name.replace('-', '_')}_{identity.version.replace('.', '_')}"
    who = [] if identity.creators else [
        "The creator of this release is not named: it was built without `--creator` and the "
        "crawl's warcinfo names no operator. Name the curator before citing it (the software "
        "that built it is not its author).", ""]
    return ["## How to cite", "", *who, "Each article has its own citation: the `citation` "
            "column of `articles` and `metadata.csv` (GOST R 7.0.100-2018 for Russian texts, "
            "Chicago 17th ed. for the others), with the capture date as the date of access and "
            "the archived copy in the WACZ as `archive.wacz, TIMESTAMP/URL` (the wayback path "
            "it replays at).", "",
            "`CITATION.cff` has the citation of the dataset; in BibTeX (`url` and `doi` are "
            "placeholders: FILL IN where the release is deposited and its DOI):", "",
            "```bibtex",
            f"@misc{{{key},", f"  title = {{{identity.title}}},", f"  author = {{{authors}}},",
            f"  year = {{{identity.released.year}}},", f"  version = {{{identity.version}}},",
            f"  howpublished = {{Dataset (web archive of {identity.site}), released "
            f"{identity.released.isoformat()}}},",
            f"  url = {{{URL_PLACEHOLDER}}},", f"  doi = {{{DOI_PLACEHOLDER}}},",
            f"  note = {{Source: {PUBLISHER} ({PUBLISHER_RU})}}", "}", "```", ""]


def card_markdown(facts: CardFacts) -> str:
    """Return the whole card."""
    identity = facts.identity
    lines = [*header(facts), "", f"# {identity.title}", "",
             f"Release {identity.version} of {identity.released.isoformat()}.", ""]
    for section in (_what, example_record, _loading, collection, not_captured, _fields,
                    coverage_and_gaps, personal_data, changes_note, _replay, _terms, _citation):
        lines += section(facts)
    return "\n".join(lines)


def write_card(facts: CardFacts, root: Path) -> Path:
    """Write ``README.md`` into ``root``."""
    path = root / "README.md"
    path.write_text(card_markdown(facts), encoding="utf-8")
    return path
