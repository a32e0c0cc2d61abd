"""The request queue, in memory up to ``SCHEDULER_MEMORY_MAX`` requests and on disk past it.

Scrapy's scheduler keeps every queued request in memory unless the crawl has a ``JOBDIR``, and
then keeps them all on disk. Here the memory queue comes first; past ``SCHEDULER_MEMORY_MAX``
queued requests, new ones go to Scrapy's disk queue (``SCHEDULER_DISK_QUEUE``) in a temporary
folder of the archive folder, made on the first spill and removed when the run ends. The memory
queue is served first, then the disk queue, so a request put ahead of the others (priority above
0: an article's next page or its print view, whose parsed pages wait for it in memory) always stays
in memory: on disk it would wait behind the whole memory queue, and its pages with it. A request
that cannot be written (no spider method for its callback) stays in memory, as Scrapy's scheduler
does. With ``JOBDIR`` set, Scrapy's
own behaviour: everything on disk.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred
    from typing_extensions import Self

logger = logging.getLogger(__name__)

#: The temporary folders of the disk queue, in the archive folder (one per run).
QUEUE_PREFIX = ".queue-"


class SpillingScheduler(Scheduler):
    """Scrapy's scheduler whose memory queue hands over to a disk queue past a size."""

    memory_max = 0
    archive_dir = ""
    spill_dir: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        if scheduler.dqdir is None:  # JOBDIR unset: spill past the bound
            scheduler.memory_max = crawler.settings.getint("SCHEDULER_MEMORY_MAX")
            scheduler.archive_dir = crawler.settings.get("ARCHIVE_DIR") or ""
        return scheduler

    def _dqpush(self, request: Request) -> bool:
        if request.priority > 0:
            return False  # continues what was begun (an article's next page, its print view)
        if self.memory_max and self.dqs is None and len(self.mqs) >= self.memory_max:
            self._open_spill()
        if self.dqs is None or (len(self.mqs) < self.memory_max and not len(self.dqs)):
            return False  # under the bound, nothing waiting on disk: memory
        return super()._dqpush(request)

    def _open_spill(self) -> None:
        """Make the disk queue, in a temporary folder of the archive folder."""
        parent = Path(self.archive_dir) if self.archive_dir else None
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        self.spill_dir = Path(tempfile.mkdtemp(prefix=QUEUE_PREFIX, dir=parent))
        self.dqdir = str(self.spill_dir)
        self.dqs = self._dq()
        logger.info("more than %d requests queued: the next ones wait on disk in %s",
                    self.memory_max, self.spill_dir)

    def close(self, reason: str) -> Deferred[None] | None:
        result = super().close(reason)
        if self.spill_dir is not None:
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        return result
