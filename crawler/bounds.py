"""The crawl's bounds: what a bound stopped, kept where the run report finds it.

A bound is a limit no site may push a crawl past (total pages, pages of one listing, link
depth, links taken from one page, bytes of one article, cookies, time). Each component that
enforces one calls :func:`note_bound` when it refuses or cuts something; the run report
(:mod:`crawler.report`) lists every bound that took effect, how often and on what, and a run in
which any bound took effect exits with :data:`EXIT_BOUNDED` (README, *Exit status*): the crawl
is then not known to be the whole site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

#: Stats key: bound name -> {"count": times it took effect, "examples": the first URLs,
#: "detail": what the first one said, "setting": the setting that sets it}.
BOUNDS_STAT = "ifes/bounds"
#: How many URLs each bound keeps as examples for the report.
EXAMPLES = 5
#: The exit status of a crawl that one of its bounds cut short (README, *Exit status*).
EXIT_BOUNDED = 5
#: Heritrix's fetch status for a URL refused as a trap or beyond a bound (its "chaff" code;
#: -4001 is its "too many link hops"): the crawl log's second column.
BOUNDED = -4000
TOO_DEEP = -4001


def note_bound(stats: StatsCollector, name: str, url: str, detail: str = "",
               setting: str = "") -> None:
    """Count that bound ``name`` (set by ``setting``) refused or cut ``url``; keep the first
    few URLs and the first ``detail`` for the report."""
    bounds = dict(stats.get_value(BOUNDS_STAT) or {})
    entry = dict(bounds.get(name) or {"count": 0, "examples": [], "detail": detail,
                                      "setting": setting})
    entry["count"] += 1
    if len(entry["examples"]) < EXAMPLES:
        entry["examples"] = [*entry["examples"], url]
    bounds[name] = entry
    stats.set_value(BOUNDS_STAT, bounds)


def bounds_hit(stats: dict[str, Any]) -> dict[str, Any]:
    """Return the bounds that took effect in a run, from its final stats, sorted by name."""
    return dict(sorted((stats.get(BOUNDS_STAT) or {}).items()))
