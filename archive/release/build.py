"""Build a release: read (or rebuild) the corpus, choose the articles, write every part.

The parts are written into a staging folder put in the place of ``--out`` only when whole, under
a lock (:mod:`.staging`); the tables and texts in this process while a worker writes the WACZ
(begun before the corpus is known when no article can be left out) and draws the plots; the
card, citation, package descriptor and checksums last
(:mod:`.describe`). Nothing is reused from an earlier build: ``--previous`` is only read, to say
what changed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec

from ifes_archive.archive.corpus.persons import Authored
from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.archive.page.joomla import base_url_of
from ifes_archive.archive.progress import Progress, wanted
from ifes_archive.archive.release.card import CardFacts
from ifes_archive.archive.release.changes import changes_markdown, compare, read_previous
from ifes_archive.archive.release.citation import ARCHIVE_FILE as WACZ
from ifes_archive.archive.release.contents import ContentsWriter
from ifes_archive.archive.release.coverage import Coverage
from ifes_archive.archive.release.describe import describe_release, release_parts, run_reports
from ifes_archive.archive.release.identity import (
    DEFAULT_LICENSE,
    Identity,
    release_date,
)
from ifes_archive.archive.release.package import (
    Checksums,
)
from ifes_archive.archive.release.persons import released_persons
from ifes_archive.archive.release.plots import draw_plots
from ifes_archive.archive.release.scope import (
    Exclusions,
    ReleaseInputError,
    Scope,
    articles,
    read_exclusions,
)
from ifes_archive.archive.release.sections import released_sections
from ifes_archive.archive.release.staging import (
    is_release,
    new_folders,
    put_in_place,
    release_lock,
    tidy,
)
from ifes_archive.archive.release.tables import all_tables
from ifes_archive.archive.release.tokens import NoMorphology, analyzer, write_tokens
from ifes_archive.archive.release.warcs import (
    Copies,
    ReleaseWacz,
    Unmoved,
    WaczJob,
    take_channel,
)
from ifes_archive.archive.software import PRODUCT, own_version
from ifes_archive.archive.types import record_json
from ifes_archive.archive.warcs.folder import ArchiveFolder
from ifes_archive.archive.workers import Pending, SerialWorker, serial_worker

if TYPE_CHECKING:
    from collections import Counter

    from ifes_archive.archive.release.persons import ReleasedPersons
    from ifes_archive.archive.release.sections import ReleasedSections
    from ifes_archive.archive.types import Breadcrumb, Record


@dataclass(frozen=True)
class ReleaseOptions:
    """How to build a release (``ifes-archive release --help`` says the same)."""

    scope: Scope = field(default_factory=Scope)
    all_versions: bool = False
    exclude: Path | None = None
    previous: Path | None = None
    rebuild: bool = False
    """Rebuild the corpus from the WARC files even when the archive has ``articles.jsonl``."""
    released: date | None = None
    """The release date (default: SOURCE_DATE_EPOCH, else today)."""
    version: str | None = None
    """The release's version (default: the date, ``YYYY.MM.DD``)."""
    title: str | None = None
    license: str = DEFAULT_LICENSE
    creators: tuple[str, ...] = ()
    """Who compiled it (default: the crawl's operator, as warcinfo names it; with neither, the
    card and ``CITATION.cff`` say the creator is not named)."""
    keep_emails: bool = False
    """Keep e-mail addresses in the released texts (by default they are masked:
    archive/release/privacy.py)."""
    shard_bytes: int | None = None
    workers: int | None = None
    progress: bool | None = None
    """Show progress (default: when stderr is a terminal, and not in CI)."""
    tokens: bool = False
    """Write the lemma layer, ``tokens/`` (pymorphy3; opt-in: it reads every word)."""


@dataclass
class Plan:
    """Which articles of the corpus a release takes."""

    kept: set[int] = field(default_factory=set)
    excluded: set[int] = field(default_factory=set)
    out_of_scope: set[int] = field(default_factory=set)
    site: str = ""
    authors: list[Authored] = field(default_factory=list)
    """Each article's id and authors (newest version): persons are resolved on them all."""
    breadcrumbs: list[tuple[int, Breadcrumb | None]] = field(default_factory=list)
    """Each article's id and breadcrumb (newest version): the sections vocabulary's evidence."""
    charted: Coverage = field(default_factory=Coverage)
    """What the plots count, as the tables will count it: the words of each released row,
    then (:meth:`chart`) each released article's newest version."""
    newest: list[Record] = field(default_factory=list)
    """The newest version of each released article, without its text and bio (until
    :meth:`chart` counts them)."""

    def chart(self, sections: ReleasedSections) -> Coverage:
        """Return what the plots count: :attr:`charted` with each released article's newest
        version, its sections its subject sections (as :meth:`ContentsWriter.add` counts it)."""
        for newest in self.newest:
            self.charted.chart_article(msgspec.structs.replace(
                newest, sections=sections.subjects_of(newest)))
        self.newest = []
        return self.charted

    @property
    def dropped(self) -> set[int]:
        """Return the articles of the corpus the release leaves out."""
        return self.excluded | self.out_of_scope


@dataclass
class ReleaseSummary:
    """What a build made."""

    out: Path
    identity: Identity
    coverage: Coverage
    excluded: Counter
    out_of_scope: int
    parts: list[tuple[str, int, int]]
    wacz: str
    copies: Copies
    unmatched: int = 0
    """Exclusions that name no article of the archive."""

    def __str__(self) -> str:
        total = sum(size for _, _, size in self.parts)
        lines = [f"release {self.identity.version} ({self.identity.released}) -> {self.out}",
                 f"  {self.coverage.articles:,} articles, {self.coverage.rows:,} rows, "
                 f"{self.coverage.versions:,} versions, {self.coverage.captures:,} capture "
                 f"pointers; {sum(self.excluded.values()):,} excluded, {self.out_of_scope:,} "
                 "outside the scope",
                 f"  {total:,} bytes in all; WACZ: {self.wacz}"]
        if self.unmatched:
            lines.append(f"  {self.unmatched:,} exclusions name no article of the archive")
        if self.copies.unresolved or self.copies.torn:
            lines.append(f"  WARC files: {self.copies.unresolved:,} capture pointers name no "
                         f"record they hold, {self.copies.torn:,} records cut short")
        lines += [f"    {name}  {size:,} bytes" + (f" ({files:,} files)" if files > 1 else "")
                  for name, files, size in self.parts]
        return "\n".join(lines)


def plan_release(corpus: Path, scope: Scope, exclusions: Exclusions,
                 pages: IO[str] | None = None, all_versions: bool = False) -> Plan:
    """Return which articles of ``corpus`` the release takes (judged on the newest version);
    write the newest version of each (every version with ``all_versions``) to ``pages`` (the
    WACZ's page list reads them: one page per version, at its capture)."""
    plan = Plan()
    for versions in articles(corpus):
        newest = versions[-1]
        article_id = newest.article_id
        plan.site = plan.site or base_url_of(newest.url)
        # persons and sections are resolved over every article's authors and breadcrumb
        plan.authors.append(Authored(article_id, list(newest.authors)))
        plan.breadcrumbs.append((article_id, newest.breadcrumb))
        if article_id in exclusions.reasons:
            plan.excluded.add(article_id)
        elif not scope.admits(newest):
            plan.out_of_scope.add(article_id)
        else:
            plan.kept.add(article_id)
            rows = versions if all_versions else versions[-1:]
            plan.charted.words.extend(record.word_count for record in rows)
            plan.newest.append(msgspec.structs.replace(newest, text=None, bio=None))
            if pages is not None:
                pages.writelines(record_json(record) + "\n" for record in rows)
    return plan


def build_release(archive_dir: Path, out: Path, options: ReleaseOptions) -> ReleaseSummary:
    """Build the release of ``archive_dir`` into ``out`` (replacing an earlier release there);
    raise :class:`ReleaseInputError` when an input is not what it should be, and
    :class:`~ifes_archive.archive.warcs.folder.LockHeld` when another build writes ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with release_lock(out):
        _check_target(archive_dir, out)
        tidy(out)
        staging, work = new_folders(out)
        try:
            result = _build(archive_dir, staging, work, options)
            put_in_place(staging, out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)
    result.out = out
    return result


def _check_target(archive_dir: Path, out: Path) -> None:
    if not archive_dir.is_dir():
        raise ReleaseInputError(f"{archive_dir} is not an archive folder")
    if out.exists() and any(out.iterdir()) and not is_release(out):
        raise ReleaseInputError(f"{out} exists and is not a release: not replacing it")


def _corpus(archive_dir: Path, work: Path, options: ReleaseOptions) -> tuple[Path, str]:
    """Return the corpus to release from, and how it was had."""
    folder = ArchiveFolder(archive_dir)
    if folder.articles.is_file() and not options.rebuild:
        return folder.articles, ("read from the archive's corpus (`articles.jsonl`, as the crawl "
                                 "wrote it)")
    if not folder.warc.is_dir():
        raise ReleaseInputError(f"{archive_dir} has neither {folder.articles.name} nor warc/")
    corpus = work / folder.articles.name
    rebuild([folder.warc], corpus, workers=options.workers,
            progress=wanted() if options.progress is None else options.progress)
    return corpus, "rebuilt from the WARC files (`ifes-archive rebuild`)"


def _build(archive_dir: Path, root: Path, work: Path, options: ReleaseOptions) -> ReleaseSummary:
    if options.tokens:
        _need_morphology()
    exclusions = read_exclusions(options.exclude) if options.exclude else Exclusions()
    previous = read_previous(options.previous) if options.previous else None
    released = options.released or release_date()
    packing = WaczJob(archive_dir, root, released, whole=not exclusions.reasons and
                       not options.scope.describe())
    # one worker, forked before the corpus is read or rebuilt (it dies with this process): it
    # writes the WACZ, from the start when the release can leave no article out, else once
    # the plan says which; then it draws the plots while the tables are written. (Drawn by a
    # worker forked after the corpus, once the tables were written, they raised the release's
    # peak RSS, 318 -> 332-414 MB, and saved no time: the plan now counts what they show.)
    with serial_worker(take_channel, (packing.channel,)) as worker:
        packing.begin(worker)
        corpus, source = _corpus(archive_dir, work, options)
        pages = work / "pages.jsonl"  # the versions the WACZ's page list shows
        with open(pages, "w", encoding="utf-8", newline="\n") as stream:
            plan = plan_release(corpus, options.scope, exclusions, stream, options.all_versions)
        job = packing.finish(worker, plan.dropped, pages, _title(options, plan))
        writer, parquet, plots, packed = _write_data(archive_dir, corpus, plan, root, options,
                                                     worker, job)
    copies = packed.copies
    identity = _identity(options, plan, copies, released)
    changes = compare(previous, writer.released, set(exclusions.reasons))
    (root / "CHANGES.md").write_text(changes_markdown(changes, identity.version,
                                                      identity.released.isoformat()),
                                     encoding="utf-8")
    wacz = WACZ if packed.sha256 else "the archive has no WARC files"
    if options.tokens:
        write_tokens(root, options.all_versions)
    excluded = exclusions.counts(plan.excluded)
    facts = CardFacts(identity, writer.coverage, all_tables(), parquet, release_parts(root),
                      plots, copies, run_reports(archive_dir), changes,
                      options.scope.describe(), len(plan.out_of_scope), excluded, source,
                      options.all_versions, wacz, writer.personal, writer.example)
    checksums = Checksums()
    if packed.sha256:
        checksums.know(root / WACZ, packed.sha256)
    describe_release(root, facts, checksums,
              _provenance(options, plan, copies, writer.coverage, excluded, source))
    return ReleaseSummary(root, identity, writer.coverage, excluded, len(plan.out_of_scope),
                          release_parts(root), wacz, copies,
                          len(set(exclusions.reasons) - plan.excluded))


def _need_morphology() -> None:
    """Fail before any work when ``--tokens`` cannot be written."""
    try:
        analyzer()
    except NoMorphology as exc:
        raise ReleaseInputError(str(exc)) from None


def _write_data(archive_dir: Path, corpus: Path, plan: Plan, root: Path,
                options: ReleaseOptions, worker: SerialWorker, job: Pending[ReleaseWacz] | None,
                ) -> tuple[ContentsWriter, dict[str, list[str]], dict[str, str], ReleaseWacz]:
    """Write the tables and texts while the worker writes the WACZ and then draws the plots
    (what they count is known from the plan once the sections are); return the writer, each
    table's Parquet files, the plots and what the WACZ holds. The tables' capture pointers are
    into the WACZ's WARC copies: when no article is left out no record moves, and the tables do
    not wait for the copies (the pointers they asked for are checked against them after)."""
    persons = released_persons(archive_dir, plan.authors, plan.kept)
    sections = released_sections(archive_dir, plan.breadcrumbs, plan.kept)
    drawn = worker.submit(draw_plots, plan.chart(sections), root / "plots")
    waited = _packed(job, options.progress) if plan.dropped else None
    relocation = waited.copies if waited is not None else Unmoved()
    writer = _write_contents(corpus, plan, relocation, root, options, persons, sections)
    parquet = {name: [p.relative_to(root).as_posix() for p in files]
               for name, files in writer.close().items()}
    plots = drawn.result()
    packed = waited or _packed(job, options.progress)
    if isinstance(relocation, Unmoved):
        packed.copies.check(relocation.asked)
    return writer, parquet, plots, packed


def _write_contents(corpus: Path, plan: Plan, copies: Copies | Unmoved, root: Path,
                    options: ReleaseOptions, persons: ReleasedPersons,
                    sections: ReleasedSections) -> ContentsWriter:
    progress = Progress("release: articles", len(plan.kept), options.progress)
    writer = ContentsWriter(root, copies, options.all_versions, options.shard_bytes, persons,
                            sections, options.keep_emails)
    done = 0
    for versions in articles(corpus):
        if versions[-1].article_id in plan.kept:
            writer.add(versions)
            done += 1
            progress(done)
    progress.done(f"{done:,} articles")
    return writer


def _packed(job: Pending[ReleaseWacz] | None, show: bool | None) -> ReleaseWacz:
    """Wait for the WACZ (the WARC files' one pass); return what it holds."""
    if job is None:
        return ReleaseWacz(Copies(), 0, "")
    progress = Progress("release: WARC files into the WACZ", show=show).begin()
    packed = job.result()
    progress.done(f"{packed.copies.records:,} records, {packed.copies.dropped:,} left out, "
                  f"{packed.lines:,} captures indexed")
    return packed


def _title(options: ReleaseOptions, plan: Plan) -> str:
    host = urlsplit(plan.site).netloc or plan.site
    return options.title or f"Japan studies publications of IFES RAS ({host})"


def _identity(options: ReleaseOptions, plan: Plan, copies: Copies, released: date) -> Identity:
    operators = sorted({run.info["operator"] for run in copies.runs.values()
                        if run.info.get("operator")})
    return Identity(title=_title(options, plan),
                    version=options.version or released.strftime("%Y.%m.%d"),
                    released=released, site=plan.site,
                    creators=options.creators or tuple(operators),
                    license=options.license)


def _provenance(options: ReleaseOptions, plan: Plan, copies: Copies, coverage: Coverage,
                excluded: Counter, source: str) -> dict[str, Any]:
    return {"software": f"{PRODUCT} {own_version()}", "corpus": source,
            "scope": options.scope.describe(), "all_versions": options.all_versions,
            "counts": {"articles": coverage.articles, "rows": coverage.rows,
                       "versions": coverage.versions, "captures": coverage.captures,
                       "excluded": sum(excluded.values()), "out_of_scope": len(plan.out_of_scope),
                       "warc_records": copies.records, "warc_records_left_out": copies.dropped,
                       "warc_records_cut_short": copies.torn,
                       "capture_pointers_unresolved": copies.unresolved,
                       "versions_by_source": coverage.sources},
            "exclusion_reasons": dict(sorted(excluded.items())),
            "runs": [{"label": run.label, "first": run.first, "last": run.last,
                      "records": run.records, "files": run.files}
                     for run in copies.ordered_runs()]}
