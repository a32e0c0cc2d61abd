"""Offline rebuild: the crawl's own corpus, byte for byte, from its WARCs; and WARCs it did not write."""

from __future__ import annotations

import gzip
import json
import subprocess
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ifes_archive.archive.corpus.rebuild import rebuild
from ifes_archive.archive.corpus.selection import TORN_TAIL
from ifes_archive.archive.warcs.reader import record_at
from ifes_archive.crawler.cli import main as cli
from ifes_archive.fixtures.mirror import Mirror
from ifes_archive.fixtures.site import build_site
from tests.conftest import run_crawl, serve


@pytest.fixture(scope="module")
def rolled(tmp_path_factory: pytest.TempPathFactory):
    """A crawl whose WARCs roll over into several files, and its mirror."""
    tmp = tmp_path_factory.mktemp("rolled")
    for served in serve(tmp):
        crawl = run_crawl(served.base_url, tmp / "out", WARC_MAX_SIZE="300000")
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        wget = tmp / "wget"
        wget.mkdir()
        subprocess.run(["wget", "--mirror", "--no-verbose", "--warc-file", str(wget / "mirror"),
                        "--reject-regex", r"archive(category|section)|emailform|do_pdf|pop=1",
                        "--directory-prefix", str(wget / "files"), served.base_url],
                       capture_output=True, timeout=600)
        yield crawl, wget / "mirror.warc.gz"


def test_rebuild_equals_the_crawl_byte_for_byte(crawl, tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    assert cli(["rebuild", str(crawl.out / "warc"), "--out", str(out)]) == 0
    assert out.read_bytes() == (crawl.out / "articles.jsonl").read_bytes()


def test_same_bytes_whatever_the_order_and_the_workers(rolled, tmp_path: Path) -> None:
    crawl, _ = rolled
    files = crawl.warc_files
    assert len(files) >= 4
    outputs = []
    for order, workers in ((files, 1), (list(reversed(files)), 2), (files[1::2] + files[::2], 2)):
        out = tmp_path / f"corpus-{len(outputs)}.jsonl"
        rebuild(order, out, workers=workers, progress=False)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] == (crawl.out / "articles.jsonl").read_bytes()


def test_every_pointer_resolves_to_its_response(rolled, tmp_path: Path) -> None:
    crawl, _ = rolled
    out = tmp_path / "corpus.jsonl"
    rebuild(crawl.warc_files, out, workers=2, progress=False)
    for line in out.read_text(encoding="utf-8").splitlines():
        for capture in json.loads(line)["captures"]:
            path = crawl.out / "warc" / capture["warc_filename"]
            with record_at(path, capture["warc_offset"]) as record:
                assert (record.head.id, record.head.type) == (capture["warc_record_id"],
                                                              "response")
                assert record.drain() and record.length == capture["warc_length"]


def test_manifest_names_inputs_versions_and_counts(crawl, tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    cli(["rebuild", str(crawl.out / "warc"), "--out", str(out)])
    manifest = json.loads((tmp_path / "corpus.jsonl.manifest.json").read_text())
    (source,) = manifest["inputs"]
    assert len(source["sha256"]) == 64 and source["bytes"] > 0
    assert manifest["packages"]["trafilatura"] and manifest["packages"]["ifes-archive"]
    assert manifest["counts"]["articles"] == manifest["counts"]["versions"] == len(crawl.records())
    assert manifest["corpus"]["records"] == len(out.read_text().splitlines())
    assert manifest["counts"]["skipped"]["request record"] > 0


def test_reads_wget_warcs(rolled, tmp_path: Path) -> None:
    crawl, wget_warc = rolled
    out = tmp_path / "from-wget.jsonl"
    result = rebuild([wget_warc], out, workers=2, progress=False)
    ours = {r["article_id"]: r for r in crawl.records()}
    theirs = {json.loads(x)["article_id"]: json.loads(x) for x in out.read_text().splitlines()}
    assert set(theirs) == set(Mirror(build_site()).crawlable_article_ids()) - _archived()
    for article_id, record in theirs.items():
        assert record["title"] == ours[article_id]["title"]
        assert record["text"] == ours[article_id]["text"]
    assert result.skipped["not an article page"] > 0


def _archived() -> set[int]:
    # wget was told to keep out of the archive (calendar) pages, the only way to these.
    site = build_site()
    return {a.id for a in site.articles if a.state == "archived"}


def test_foreign_and_broken_input_is_skipped_not_fatal(crawl, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (source,) = crawl.warc_files
    # uncompressed copy of a real crawl file
    (mixed / "plain.warc").write_bytes(gzip.decompress(source.read_bytes()))
    # a file of other hosts' records, a non-HTML payload, a revisit
    with open(mixed / "other.warc.gz", "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for uri, ctype, body in (("http://elsewhere.example/index.php?option=com_content&task=view&id=1",
                                  "text/html", b"<html>x</html>"),
                                 ("http://elsewhere.example/logo.png", "image/png", b"\x89PNG")):
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=BytesIO(body),
                                                          http_headers=http))
        writer.write_record(writer.create_revisit_record(
            "http://elsewhere.example/a", "sha1:AAAA", "http://elsewhere.example/a", "2020-01-01T00:00:00Z"))
    # a crawl file whose last record was cut off: one a crash left open (a closed file cut
    # short is not read to its end: test_a_closed_warc_cut_short_is_not_read_to_its_end)
    data = source.read_bytes()
    (mixed / "cut.warc.gz.open").write_bytes(data[: len(data) - 300])
    out = tmp_path / "corpus.jsonl"
    crawl_host = urlsplit(crawl.summary["base_url"]).netloc
    # Both hosts asked for: the other host's records are read, and skipped for what they are.
    result = rebuild([mixed], out, workers=2, progress=False,
                     hosts=[crawl_host, "elsewhere.example"])
    ids = [json.loads(x)["article_id"] for x in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == len(crawl.records())
    assert result.skipped["revisit record"] == 1
    assert result.skipped[TORN_TAIL] == 1
    assert result.not_articles >= 1  # the other host's page is no article of this site's template
    assert sum(n for why, n in result.skipped.items() if why.startswith("article page")) >= 1
    # By default only the hosts the crawl's warcinfo names: the other host's captures stay out.
    default = rebuild([mixed], tmp_path / "default.jsonl", workers=2, progress=False)
    assert default.hosts == [crawl_host]
    assert default.skipped["capture of another host (elsewhere.example)"] == 3
    assert (tmp_path / "default.jsonl").read_bytes() == out.read_bytes()


def test_crawl_records_carry_every_listing_category(crawl) -> None:
    site = build_site()
    records = crawl.records()
    assert any(len(r["sections"]) > 1 for r in records)
    for record in records:
        article = site.article(record["article_id"])
        assert article is not None
        assert set(site.sections_of(article)) <= set(record["sections"]), record["article_id"]


def test_revisits_that_name_their_original_by_uri_and_date(crawl, tmp_path: Path) -> None:
    """Tools that write no WARC-Refers-To name the original by target URI and date: a later
    run's revisit found that way confirms the version it refers to."""
    (source,) = crawl.warc_files
    first = next(r for r in crawl.records() if r["pages"] == 1)
    pointer = first["captures"][0]
    later = tmp_path / "later.warc.gz"
    with open(later, "wb") as stream:
        writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record("later.warc.gz", {"ifes-run": "another"}))
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        revisit = writer.create_revisit_record(
            pointer["target_uri"], "sha1:AAAA", pointer["target_uri"], pointer["date"],
            http_headers=http)
        revisit.rec_headers.replace_header("WARC-Date", "2030-01-01T00:00:00Z")
        writer.write_record(revisit)
    out = tmp_path / "corpus.jsonl"
    result = rebuild([source, later], out, workers=1, progress=False)
    records = [json.loads(x) for x in out.read_text().splitlines()]
    (mine,) = [r for r in records if r["article_id"] == first["article_id"]]
    assert (mine["first_seen"], mine["last_seen"]) == (first["first_seen"], "2030-01-01T00:00:00Z")
    assert result.versions == result.articles == len(crawl.records())
