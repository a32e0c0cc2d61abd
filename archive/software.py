"""The versions of installed packages: this project's and those it stands on, looked up one way.

Records (``extractor.packages``), the rebuild's manifest, the crawl's warcinfo and User-Agent, the
release's descriptor and the WACZ all name the software that made them; each asks here.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata

#: This project's distribution name (``pyproject.toml``), as software lines and the User-Agent
#: name it.
PRODUCT = "ifes-archive"


@cache
def package_version(name: str) -> str | None:
    """Return the installed version of the distribution ``name``; None when it is not installed
    (each caller says what stands in its place)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def own_version() -> str:
    """Return this project's installed version ("unknown" when run from an uninstalled tree)."""
    return package_version(PRODUCT) or "unknown"
