"""Scrapy settings for ifes-archive: polite defaults for the live site.

The live site is a small institute's server, so the defaults are slow and careful: robots.txt
obeyed, one request at a time, at least a second apart, AutoThrottle on, every 5xx and timeout
retried with back-off (``Retry-After`` honoured). On the local mirror, relax them with ``-s``.
"""

from __future__ import annotations

# The offline reader's bounds are the crawl's: one number each (a lower-case name is no setting).
from ifes_archive.archive.warcs import codings as _codings
from ifes_archive.archive.warcs import http_messages as _http

BOT_NAME = "ifes_archive"
SPIDER_MODULES = ["ifes_archive.crawler.spiders"]
NEWSPIDER_MODULE = "ifes_archive.crawler.spiders"

#: The site: the live address (``ifes-archive crawl --base-url`` or ``-a base_url=`` another).
BASE_URL = "http://japanstudies.ru/"
#: The archive folder every file of a crawl goes into (:mod:`archive.warcs.folder`): WARC files,
#: records, journal, crawl state, reports, crawl log. Empty: nothing is captured or recorded.
ARCHIVE_DIR = ""

#: Names the project and a way to reach its operator, as archivists' crawlers do: the spider makes
#: it ``ifes-archive/VERSION (+CONTACT)`` from WARC_OPERATOR (crawler/useragent.py) unless set.
USER_AGENT = "ifes-archive"
ROBOTSTXT_OBEY = True

# Politeness: one connection, >= 1 s apart, slower if the server slows down.
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
#: No random spread: the delay is a floor the site was promised (Scrapy would go down to 0.5x).
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 60
#: Pages of the site are tens of kB; 20 MB stops a runaway body, as sent and once decoded
#: (a decompression bomb stops after a few kB of it).
DOWNLOAD_MAXSIZE = _codings.DEFAULT_MAX_BODY
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
#: Bytes of body (decoded) across one article's pages: past it the rest of the article is not
#: fetched and its record is flagged incomplete (a bound). The site's articles are tens of kB;
#: a record costs several times its pages in memory, so a server sending page after page of
#: megabytes must not take the crawl's memory with it. ``rebuild`` reads no further either.
ARTICLE_MAXSIZE = _codings.DEFAULT_MAX_ARTICLE
#: The content codings the crawl asks for (``Accept-Encoding``): of those the WARC reader
#: decodes (archive/warcs/codings.py: gzip, deflate, br, zstd), the ones replay tools decode too —
#: pywb 2.10 reads no zstd (warcio hands the coded bytes on as they are), ReplayWeb.page 2.5
#: rewrites only gzip and br bodies. A server sending deflate or zstd unasked is still read.
#: Empty (or COMPRESSION_ENABLED = False): identity only.
ACCEPT_ENCODING = "gzip, br"
#: Every byte received for one exchange: heads, interim responses, chunk framing and body
#: (0: twice DOWNLOAD_MAXSIZE and one head). Stops a flood of chunk extensions or 100 Continue
#: lines.
DOWNLOAD_MAXWIRESIZE = 0
#: One HTTP head (status line and headers) at most.
DOWNLOAD_MAXHEADSIZE = _http.MAX_HTTP_HEAD
#: One request per connection (``Connection: close``), as Heritrix does by default: however a
#: server misbehaves, no URL's answer can be another's. True reuses kept-alive connections at
#: clean message boundaries (and stops for a server that once sent bytes out of step).
DOWNLOAD_KEEPALIVE = False

#: robots.txt (RFC 9309): a 5xx or no answer disallows everything, asked again this often, this
#: many times, before the origin's URLs are refused for the run; its first 500 KiB are read.
ROBOTSTXT_RETRY_DELAY = 120.0
ROBOTSTXT_RETRIES = 5
ROBOTSTXT_MAX_SIZE = 500 * 1024
#: Base URLs of other origins the crawl may fetch from (the https twin of the site, say): a
#: comma-separated list. Scope is otherwise scheme, host and port of the base URL.
SCOPE_ALSO: list[str] = []
#: Redirect chains longer than this fail (RFC 9309 asks at least five for robots.txt).
REDIRECT_MAX_TIMES = 10

RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
#: Wait before retry N: RETRY_BACKOFF_BASE * 2**N seconds, at most RETRY_BACKOFF_MAX; a
#: Retry-After the server sends instead, at most RETRY_AFTER_MAX (a crawl must not hang a day).
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0
RETRY_AFTER_MAX = 600.0
#: When ``ifes-archive crawl`` began (Unix time; it sets this): ``--max-time``
#: (CLOSESPIDER_TIMEOUT) counts from here, first contact included. 0: from the spider's opening,
#: as Scrapy counts it (plain ``scrapy crawl``).
CRAWL_STARTED_AT = 0.0

DOWNLOAD_HANDLERS = {
    "http": "ifes_archive.crawler.capture.CapturingDownloadHandler",
    "https": "ifes_archive.crawler.capture.CapturingDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # Scope by scheme, host and port (Scrapy's compares host names only).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "ifes_archive.crawler.policy.ScopeMiddleware": 50,
    # robots.txt as RFC 9309 reads status codes: 5xx or no answer disallows everything.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "ifes_archive.crawler.policy.Rfc9309RobotsMiddleware": 100,
    # Redirect loops end at their first repeat, reported.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "ifes_archive.crawler.policy.LoopSafeRedirectMiddleware": 600,
    # Replaces Scrapy's RetryMiddleware: same retries, with back-off and Retry-After.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "ifes_archive.crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "ifes_archive.crawler.cookies.BoundedCookiesMiddleware": 700,
    "ifes_archive.crawler.middlewares.ConditionalRequestMiddleware": 560,
    # The capturing handler decodes (with the rebuild's decoder); ask for what it reads.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "ifes_archive.crawler.middlewares.AcceptEncodingMiddleware": 590,
}
SPIDER_MIDDLEWARES = {
    # Heritrix's discovery path of each request (L link, E embed, R redirect), for the crawl log.
    "ifes_archive.crawler.middlewares.DiscoveryPathMiddleware": 650,
    # DEPTH_LIMIT noted as a bound (Scrapy's drops in silence); an article's pages are one hop.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "ifes_archive.crawler.traps.BoundedDepthMiddleware": 900,
    # Off unless PAGE_REQUISITES: stylesheets, scripts, images, favicon the pages embed.
    "ifes_archive.crawler.requisites.PageRequisitesMiddleware": 800,
}
ITEM_PIPELINES = {
    "ifes_archive.crawler.pipelines.ArticleRecordPipeline": 300,
}

EXTENSIONS = {
    # The archive folder: lock, WARC writer, crawl state, crawl log, report (crawler/session.py).
    "ifes_archive.crawler.session.CaptureSession": 100,
    # Waits give way and queued requests are dropped when the run ends (crawler/runend.py).
    "ifes_archive.crawler.runend.RunEnd": 110,
    # Under scrapyd: an error in the job's log when an installed copy shadows the deployed egg.
    "ifes_archive.crawler.egg.DeployedCode": 0,
}

# WARC capture (crawler/session.py, crawler/capture.py).
WARC_PREFIX = "ifes"
WARC_MAX_SIZE = 1_000_000_000
#: fsync the WARC file after this many records (and the journal after this many articles): a
#: crash of the machine loses at most these; a killed process loses nothing.
WARC_FSYNC_EVERY = 50
ARTICLES_FSYNC_EVERY = 10
#: Build the records in a worker process, on the machine's second core, while the crawl goes on
#: (crawler/record_worker.py); False (the default): in the crawl's process, from the trees the
#: spider parsed. The worker parses each article page again and its memory adds to the crawl's:
#: on the hostile soak the crawl and its worker peaked at 415 MB against the soak's 300 MB bar.
RECORD_WORKER = False
#: Who runs the crawl (crawler/useragent.py): ``--operator``, this, or the environment.
WARC_OPERATOR = ""
WARC_IS_PART_OF = "ifes-archive"
WARC_DESCRIPTION = ""
#: Ask for known pages with their validators (If-None-Match, If-Modified-Since).
REVALIDATE_PAGES = True
#: Capture what pages embed on the site's host, robots.txt set aside for them
#: (crawler/requisites.py).
PAGE_REQUISITES = False
#: Fetch each article's print view (index2.php?...&pop=1) once, to cross-check its text: one
#: request more per new or changed article.
PRINT_VIEW_CHECK = True

# Bounds (crawler/bounds.py, crawler/traps.py, crawler/cookies.py, crawler/scheduler.py): each
# ends a crawl however the site misbehaves; a bound that refuses or cuts something is named in the
# run report and the crawl exits 5. The real site (docs/site-profile.md): hundreds of articles,
# listings of at most a few dozen pages, pages of tens of kB with a few hundred links at most.
#: Responses in the whole run (``--max-pages``): ten times what a crawl of the real site fetches
#: (its articles, their pages and print views, its listings: a few thousand).
CLOSESPIDER_PAGECOUNT = 50_000
#: Pages of one listing (archive/page/joomla.py ``listing_identity``: whatever the pager's
#: ``limit``, ``limitstart`` or SEF form): the longest listing of the real site has a few dozen
#: pages.
LISTING_MAX_PAGES = 100
#: Menu items one listing target is taken under (a blog's identity holds its Itemid: an
#: ever-new Itemid would be a new listing each time): the real site shows a blog under a few
#: (article 941 under four), its whole menu has a few dozen items.
LISTING_MAX_MENU_ITEMS = 50
#: Links from the front page to a page (Scrapy's DepthMiddleware, which this replaces; the pages
#: of one article and its print view are one hop). The real site is reached within ~10 hops.
DEPTH_LIMIT = 50
#: Links read from one page, in the order it gives them (later ones are not looked at): a page of
#: the real site has a few hundred at most (menus, a listing of 50 rows, the pager).
PAGE_MAX_LINKS = 1000
#: Bytes of one page (decoded) the crawl parses for its links and state; the page is kept whole
#: in the WARC. As DOWNLOAD_WARNSIZE: a hundred times a page of the real site.
PAGE_MAX_PARSE = 4 * 1024 * 1024
#: Requests held in memory by the scheduler; more go to a disk queue in a temporary folder of the
#: archive folder (removed at the end of the run), as Scrapy's JOBDIR queues do. Not a bound: no
#: request is lost. 0: all in memory.
SCHEDULER_MEMORY_MAX = 10_000
SCHEDULER = "ifes_archive.crawler.scheduler.SpillingScheduler"
#: Cookies a browser keeps (RFC 6265 §6.1 asks at least these of one: 4096 bytes per cookie,
#: name, value and attributes; 50 per domain; 3000 in all): Set-Cookie past them is ignored.
COOKIES_MAX_SIZE = 4096
COOKIES_MAX_PER_DOMAIN = 50
COOKIES_MAX_TOTAL = 3000
#: Bytes of the ``Cookie`` header sent: half of the 8 KB most servers take for one header line
#: (Apache's LimitRequestFieldSize 8190, nginx's large_client_header_buffers 8k), the rest of the
#: head kept room. Cookies past it are left off that request.
COOKIES_MAX_HEADER = 4096

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# Breadth-first: listings before deep pages keeps the request queue small.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# Import from public web archives (`ifes-archive import`, crawler/importer.py).
#: Seconds between two requests to the archive: one a second is what the Internet Archive's
#: users report it bears without answering 429 (and blocking the address for a while after).
IMPORT_DELAY = 1.0
#: Tries of one request after a 429, a 5xx or no answer; back-off doubles from IMPORT_DELAY (or
#: waits what Retry-After says) up to IMPORT_MAX_BACKOFF seconds.
IMPORT_RETRIES = 5
IMPORT_MAX_BACKOFF = 300.0
#: Seconds one answer may take, whole (however slowly the bytes trickle in): the archive's
#: replay of an old capture can be slow, and a minute is what DOWNLOAD_TIMEOUT gives the site.
IMPORT_TIMEOUT = 60.0
#: Captures fetched in one run at most (0: no cap); the rest waits for the next run.
IMPORT_MAX_CAPTURES = 0
#: CDX rows asked for at a time, with a resume key to go on from (the Internet Archive's
#: documentation pages its answers so; a server that gives no resume key is asked once for all).
IMPORT_CDX_PAGE_SIZE = 5000
#: Bytes of one answer of the index (a CDX page, a TimeMap page), bound `import-index-size`: a
#: page of 5,000 rows is about 1 MB in the Internet Archive's JSON, and a server that ignores
#: paging and answers every row at once (pywb) stays under 64 MiB up to some 200,000 captures
#: (images and all, ~300 bytes a row), far more than the site has; a page that never ends
#: stops there, and the index is read no further.
IMPORT_INDEX_MAXSIZE = 64 * 1024 * 1024
#: Pages of the index followed in one run, bound `import-index-pages`: 10,000 pages of 5,000
#: rows is 50 million captures; a server that pages on for ever (a new resume key on every
#: page, a TimeMap that links on and on) stops there.
IMPORT_MAX_INDEX_PAGES = 10_000
#: Bytes of one capture's replay, bound `import-capture-size` (the capture is refused, not
#: stored cut): a capture is bounded as a crawled page is, and the rebuild decodes no further.
IMPORT_CAPTURE_MAXSIZE = DOWNLOAD_MAXSIZE
