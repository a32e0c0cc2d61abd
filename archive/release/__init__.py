"""Releases: an archive folder turned into a bundle researchers can cite, load, browse and check.

``ifes-archive release ARCHIVE_DIR --out RELEASE_DIR`` (:func:`archive.release.build.build_release`)
writes::

    README.md            dataset card: Hugging Face YAML header, what, how, fields, gaps, plots
    data/NAME/NAME-0000K-of-0000N.parquet, data/NAME/NAME.jsonl
                         typed tables, one folder each: articles, versions, captures,
                         changes, persons (Parquet shards and the JSON Lines twin)
    texts/<id>-v<version>.txt, metadata.csv   the texts as corpus tools read them
    plots/*.png          the card's plots
    datapackage.json     Frictionless: every part with size and SHA-256, table schemas
    CITATION.cff         the dataset, its version and date, the publisher as source
    CHANGES.md           what changed since --previous
    archive.wacz         the captures, replayable
    SHA256SUMS           every file, for sha256sum -c

One module per part: :mod:`.scope` (which articles), :mod:`.warcs` (the captures kept),
:mod:`.tables` (the columns), :mod:`.table_files` and :mod:`.contents` (the data),
:mod:`.steps` (the ``changes`` table), :mod:`.lookup` (one article's history from a corpus or a
release) and :mod:`.history_lines` (its lines), :mod:`.coverage`,
:mod:`.plots`, :mod:`.card`, :mod:`.changes`, :mod:`.package`, :mod:`.identity`.
"""
