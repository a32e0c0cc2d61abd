"""Captures of the site that public web archives saved, read into the archive as records of
their own: the pure parts of ``ifes-archive import`` (CDX and TimeMap answers, the records an
imported capture becomes, how an offline rebuild groups them into observations). The fetching
part is :mod:`crawler.importer`."""
