"""Wording that follows how sure a fact is, and the sources an answer shows.

- official: stated plainly;
- reported: "（据{source}报道）" for the media, "（据{source}，非官方资料）" for other sites;
- inferred: "（推断）", and the answer adds once that such items await the official word.

Only sources that name the item are shown, the most authoritative first (official, media,
secondary), so a government page is never hidden behind a blog.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.catalog.model import Catalog, Figure, Service
from bot.catalog.provenance import INFERRED, Provenance, Source
from bot.replies import Phrases


def mark(catalog: Catalog, provenance: Provenance | None, phrases: Phrases) -> str:
    """The qualifier a fact carries in an answer: empty for an official fact."""
    if provenance is None or provenance.level == "official":
        return ""
    if provenance.level == INFERRED:
        return phrases.word("provenance.inferred")
    best = catalog.best_sources(provenance.sources)
    if not best:
        return phrases.word("provenance.inferred")
    key = "reported_media" if best[0].kind == "media" else "reported_secondary"
    return phrases.word(f"provenance.{key}", source=phrases.text(best[0].short))


def any_inferred(catalog: Catalog, provenances: Iterable[Provenance | None]) -> bool:
    return any(p is not None and p.level == INFERRED for p in provenances)


def inferred_footer(phrases: Phrases) -> str:
    return phrases("provenance.inferred_footer")


def source_title(source: Source, phrases: Phrases) -> str:
    """The full citation: title (with its year unless the title has it) and address."""
    title = phrases.text(source.title)
    year = phrases.word("provenance.source_year", year=source.year) if (
        source.year and str(source.year) not in title) else ""
    url = f" {source.url}" if source.url else ""
    return phrases.word("provenance.source_title", title=title, year=year, url=url)


def source_lines(catalog: Catalog, source_ids: Iterable[str], phrases: Phrases
                 ) -> tuple[str, str | None]:
    """A short line naming the best source (first screen), and the full citations of all."""
    best = catalog.best_sources(source_ids)
    if not best:
        return phrases("provenance.no_item_source"), None
    first = best[0]
    year = phrases.word("provenance.source_year", year=first.year) if first.year else ""
    more = phrases.word("provenance.and_more", count=len(best)) if len(best) > 1 else ""
    short = phrases("provenance.source", title=phrases.text(first.short) + year + more)
    details = phrases("provenance.citations",
                      titles=phrases.join([source_title(s, phrases) for s in best]))
    return short, details


def service_sources(catalog: Catalog, service: Service, phrases: Phrases
                    ) -> tuple[str, str | None]:
    return source_lines(catalog, service.sources, phrases)


def figures_sentence(figures: list[Figure], phrases: Phrases) -> str:
    """The official scope figures with their years, as one sentence ("江门称…（2023年）。")."""
    if not figures:
        return ""
    parts = [phrases.word("provenance.figure", text=phrases.text(f.text), year=f.year)
             for f in figures]
    return phrases("provenance.scope", figures=phrases.join(parts))


def figure_words(figure: Figure, phrases: Phrases) -> str:
    return phrases.word("provenance.figure", text=phrases.text(figure.text), year=figure.year)


def hotline(catalog: Catalog, phrases: Phrases) -> str:
    """How to call 12345, with the caveat on dialling from Hong Kong or Macau unless official."""
    line = catalog.hotline
    confirmed = (line.from_hk_macau_provenance is not None
                 and line.from_hk_macau_provenance.level == "official")
    key = "hotline_confirmed" if confirmed else "hotline_unconfirmed"
    return phrases.word(key, from_abroad=line.from_hk_macau or line.number)


def marked(catalog: Catalog, phrases: Phrases, marks: list[Provenance | None], key: str,
           fact: Provenance | None, **values: object) -> str:
    """The phrase ``key`` with the qualifier of ``fact``; the fact joins ``marks`` so the answer
    can add the footer for inferences once."""
    marks.append(fact)
    return phrases(key, mark=mark(catalog, fact, phrases), **values)
