"""Page → record: a captured page decoded, parsed as the site's template, and the pages of one
article made into its record (the record's schema included). It reads bytes it is given; it
does not read or write WARC files."""
