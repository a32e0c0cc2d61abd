"""WARC I/O, the bottom layer: captures written and read back, checked, indexed, packed (WACZ),
the crawl state kept beside them and the archive folder they live in. It knows nothing of pages,
records or the corpus."""
