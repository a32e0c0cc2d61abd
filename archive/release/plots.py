"""The card's plots: articles per year, per section, per language; words per article.

matplotlib's object API on the Agg canvas (no pyplot, no global backend switch), with the
default style whatever the user's matplotlibrc says, and PNGs saved without the Software
stamp: the same counts give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ifes_archive.archive.release.coverage import NO_DATE

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Callable

    from ifes_archive.archive.release.coverage import Coverage

#: Pixels = inches x DPI: 800 x 400, legible in a card without scrolling.
SIZE_INCHES = (8.0, 4.0)
DPI = 100
#: Sections shown by name; the rest are summed into one bar.
TOP_SECTIONS = 20
#: Height of one bar of a horizontal chart: a section name's line and a little air.
BAR_INCHES = 0.28
HISTOGRAM_BINS = 30
COLOUR = "#3b6ea5"


def _figure(height: float = SIZE_INCHES[1]):  # noqa: ANN202 - matplotlib is imported lazily
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(SIZE_INCHES[0], height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _save(figure, path: Path) -> Path:  # noqa: ANN001
    from matplotlib.ticker import MaxNLocator

    for axes in figure.axes:  # articles come whole
        axis = axes.xaxis if axes.get_xlabel() == "articles" else axes.yaxis
        axis.set_major_locator(MaxNLocator(integer=True))
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _bars(counts: list[tuple[str, int]], title: str, path: Path, horizontal: bool = False) -> Path:
    height = max(SIZE_INCHES[1], BAR_INCHES * len(counts)) if horizontal else SIZE_INCHES[1]
    figure, axes = _figure(height)
    labels, values = [label for label, _ in counts], [value for _, value in counts]
    if horizontal:
        axes.barh(range(len(values)), values, color=COLOUR)
        axes.set_yticks(range(len(values)), labels)
        axes.invert_yaxis()
        axes.set_xlabel("articles")
    else:
        axes.bar(range(len(values)), values, color=COLOUR)
        axes.set_xticks(range(len(values)), labels, rotation=90 if len(values) > 12 else 0)
        axes.set_ylabel("articles")
    axes.set_title(title)
    return _save(figure, path)


def per_year(years: Counter, path: Path) -> Path:
    """Plot articles per publication year."""
    dated = sorted((year, n) for year, n in years.items() if year != NO_DATE)
    undated = [(NO_DATE, years[NO_DATE])] if years.get(NO_DATE) else []
    return _bars(dated + undated, "Articles per year of publication", path)


def per_section(sections: Counter, path: Path) -> Path:
    """Plot articles per subject section (the largest by name, the rest summed)."""
    ranked = sorted(sections.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    shown, rest = ranked[:TOP_SECTIONS], ranked[TOP_SECTIONS:]
    if rest:
        shown.append((f"{len(rest)} other sections", sum(n for _, n in rest)))
    return _bars(shown, "Articles per subject section (an article may be in several)", path,
                 horizontal=True)


def per_language(languages: Counter, path: Path) -> Path:
    """Plot articles per language of the text."""
    return _bars(sorted(languages.items(), key=lambda item: (-item[1], item[0])),
                 "Articles per language", path)


def words_per_article(words: list[int], path: Path) -> Path:
    """Plot the distribution of words per article, its median marked."""
    figure, axes = _figure()
    ordered = sorted(words)
    if ordered:
        axes.hist(ordered, bins=HISTOGRAM_BINS, color=COLOUR)
        median = ordered[len(ordered) // 2]
        axes.axvline(median, color="black", linestyle="--", linewidth=1)
        axes.annotate(f"median {median:,}", (median, 0.95), xycoords=("data", "axes fraction"),
                      xytext=(4, 0), textcoords="offset points", va="top")
    axes.set_xlabel("words")
    axes.set_ylabel("articles")
    axes.set_title("Words per article")
    return _save(figure, path)


def draw_plots(coverage: Coverage, folder: Path) -> dict[str, str]:
    """Draw every plot of the card into ``folder``; return file name -> caption."""
    from matplotlib import style

    plots: dict[str, tuple[str, Callable[[Any, Path], Path], Any]] = {
        "articles_per_year.png": ("Articles per year", per_year,
                                   coverage.article_years or coverage.years),
        "articles_per_section.png": ("Articles per subject section", per_section,
                                     coverage.article_sections or coverage.sections),
        "articles_per_language.png": ("Articles per language", per_language,
                                      coverage.article_languages or coverage.languages),
        "words_per_article.png": ("Words per article", words_per_article, coverage.words)}
    folder.mkdir(parents=True, exist_ok=True)
    with style.context("default"):
        for name, (_, draw, data) in plots.items():
            draw(data, folder / name)
    return {name: caption for name, (caption, _, _) in plots.items()}
