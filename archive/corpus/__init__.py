"""The corpus: the journals a crawl writes, versions folded from them, the corpus file, the
offline rebuild from WARCs, imports from public web archives, persons, sections and one
article's history. It stands on the WARC and page layers and never imports the release."""
