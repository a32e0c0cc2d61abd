"""Person ids that survive recrawls and releases, and the curator's corrections.

The archive folder keeps ``persons.json``: every id ever given, each with the mentions (article,
spelling) it stood for when last resolved; ids of persons no longer found, or merged into
another, are kept as retired and never given again. After each resolution a person takes the
id of the stored person it shares most mentions with (each id once, the most shared first);
a person sharing none takes the next new id, in the order of its first article.

A curator corrects the resolution in ``persons.curated.json`` beside it, which every later run
honours: ``merge`` lists persons that are one (the first id is kept), ``split`` an author of an
article (its display name or any spelling) that is a person of its own::

    {"merge": [{"persons": ["P000003", "P000017"], "note": "one person: her bio says so"}],
     "split": [{"article_id": 123, "spelling": "T. Zaitseva", "note": "another T. Zaitseva"}]}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.corpus.persons import Authored, Mention, Person, mentions_of, resolve
from ifes_archive.archive.warcs.folder import CURATED_PERSONS_FILE, PERSONS_FILE, ArchiveFolder

if TYPE_CHECKING:
    from collections.abc import Iterable

#: The files' names (tests and messages name them; paths come from the archive folder).
STORE, CURATED = PERSONS_FILE, CURATED_PERSONS_FILE
STORE_FORMAT = 1
#: Ids are ``P`` and six digits: sortable as text, room for a million people.
ID_FORMAT = "P{:06d}"

Shared = frozenset[tuple[int, str]]


class PersonsInputError(ValueError):
    """The curator's file or the corpus cannot be read as such (the message says where)."""


@dataclass
class Store:
    """What ``persons.json`` holds."""

    next_id: int = 1
    persons: dict[str, Shared] = field(default_factory=dict)
    retired: dict[str, dict[str, Any]] = field(default_factory=dict)

    def new_id(self) -> str:
        """Return an id never given before."""
        self.next_id += 1
        return ID_FORMAT.format(self.next_id - 1)

    def known(self, person_id: str) -> Shared:
        """Return the mentions an id (current or retired) last stood for."""
        if person_id in self.persons:
            return self.persons[person_id]
        return frozenset(tuple(m) for m in self.retired.get(person_id, {}).get("mentions", []))


@dataclass
class Resolution:
    """The persons of a corpus, with their ids, and what the run changed."""

    persons: list[Person]
    new: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def ids_by_author(self) -> dict[tuple[int, str], str]:
        """Return the person id of each (article, display name or spelling)."""
        found: dict[tuple[int, str], str] = {}
        for person in self.persons:
            for mention in person.mentions:
                for text in (mention.name, *mention.spellings):
                    found.setdefault((mention.article_id, text), str(person.person_id))
        return found


def mention_keys(person: Person) -> Shared:
    """Return what identifies a person's mentions from one run to the next."""
    return frozenset((m.article_id, s) for m in person.mentions for s in (m.name, *m.spellings))


def read_store(folder: Path) -> Store:
    """Return the archive's stored ids (none yet: an empty store)."""
    path = ArchiveFolder(folder).persons
    if not path.is_file():
        return Store()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Store(int(data["next_id"]),
                     {pid: frozenset((int(a), str(s)) for a, s in entry["mentions"])
                      for pid, entry in data["persons"].items()},
                     dict(data.get("retired") or {}))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PersonsInputError(f"{path} cannot be read ({exc!r}): restore it from a backup "
                                "(moved away, every person gets a new id)") from exc


def write_store(folder: Path, store: Store, persons: list[Person]) -> None:
    """Write ``persons.json`` whole or not at all."""
    data = {"format": STORE_FORMAT, "next_id": store.next_id,
            "persons": {str(p.person_id): {"name": p.preferred(False) or p.preferred(True),
                                           "mentions": sorted(mention_keys(p))}
                        for p in sorted(persons, key=lambda p: str(p.person_id))},
            "retired": dict(sorted(store.retired.items()))}
    path = ArchiveFolder(folder).persons
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(_lines(data), encoding="utf-8")
    os.replace(partial, path)


def _lines(data: dict[str, Any]) -> str:
    """Return the store as JSON with a person a line (a curator looks ids up in it)."""
    def block(entries: dict[str, Any]) -> str:
        return ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                          for k, v in entries.items())

    return (f'{{"format": {data["format"]}, "next_id": {data["next_id"]},\n'
            f'"persons": {{\n{block(data["persons"])}\n}},\n'
            f'"retired": {{\n{block(data["retired"])}\n}}}}\n')


def read_curated(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Return the curator's merges and splits (none when there is no file)."""
    path = ArchiveFolder(folder).curated_persons
    if not path.is_file():
        return {"merge": [], "split": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        merges, splits = list(data.get("merge", [])), list(data.get("split", []))
    except (ValueError, AttributeError, TypeError) as exc:
        raise PersonsInputError(f"{path}: not a JSON object of merge and split lists: {exc}"
                                ) from exc
    for entry in merges:
        if not isinstance(entry, dict) or not isinstance(entry.get("persons"), list) or \
                len(entry["persons"]) < 2:
            raise PersonsInputError(f"{path}: each merge needs \"persons\": [two ids or more]")
    for entry in splits:
        if not isinstance(entry, dict) or not isinstance(entry.get("article_id"), int) or \
                not entry.get("spelling"):
            raise PersonsInputError(f"{path}: each split needs \"article_id\" and \"spelling\"")
    return {"merge": merges, "split": splits}


def resolve_folder(folder: Path, records: Iterable[Authored],
                   update: bool = True) -> Resolution:
    """Resolve the persons of ``records`` (newest versions), honour the curator's file, give
    ids (the stored ones where they fit); write ``persons.json`` unless ``update`` is false."""
    store, curated = read_store(folder), read_curated(folder)
    persons = resolve(mentions_of(records))
    result = Resolution(persons)
    persons = _split(persons, curated["split"], result)
    persons = _merge(persons, curated["merge"], store, result)
    result.persons = _give_ids(persons, store, result)
    if update:
        write_store(folder, store, result.persons)
    return result


#: A corpus line read for its id and authors only.
_AUTHORED = msgspec.json.Decoder(Authored)


def newest_records(corpus: Path) -> list[Authored]:
    """Return the newest version of each article of a corpus file (its id and authors)."""
    newest: dict[int, Authored] = {}
    with open(corpus, "rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                record = _AUTHORED.decode(line)
            except msgspec.DecodeError as exc:
                raise PersonsInputError(f"{corpus}:{number}: not a record: {exc}") from exc
            newest[record.article_id] = record
    return [newest[aid] for aid in sorted(newest)]


def describe(result: Resolution) -> Iterable[str]:
    """Yield the lines ``ifes-archive persons`` prints: a summary, then a person a line."""
    mentions = sum(len(p.mentions) for p in result.persons)
    apart = sum(p.closed for p in result.persons)
    yield (f"{len(result.persons):,} persons from {mentions:,} authors of articles; "
           f"{apart:,} kept apart; new ids {len(result.new):,}, retired {len(result.retired):,}")
    yield from (f"warning: {w}" for w in result.warnings)
    for person in result.persons:
        names = " / ".join(n for n in (person.preferred(False), person.preferred(True)) if n)
        flag = "  (kept apart)" if person.closed else ""
        yield (f"{person.person_id}  {names}  {len(person.articles()):,} articles, "
               f"{len(person.spellings()):,} spellings{flag}")


def _split(persons: list[Person], splits: list[dict[str, Any]],
           result: Resolution) -> list[Person]:
    for entry in splits:
        aid, text = entry["article_id"], " ".join(str(entry["spelling"]).split())
        found = [(p, m) for p in persons for m in p.mentions
                 if m.article_id == aid and text in (m.name, *m.spellings)]
        if not found:
            result.warnings.append(f"curated split: no author {text!r} in article {aid}")
        for person, mention in found:
            if len(person.mentions) > 1:
                person.mentions.remove(mention)
                persons.append(Person([mention], [_curated(mention, "curated split", entry)],
                                      closed=True))
    return persons


def _merge(persons: list[Person], merges: list[dict[str, Any]], store: Store,
           result: Resolution) -> list[Person]:
    for entry in merges:
        known = [store.known(str(pid)) for pid in entry["persons"]]
        if not all(known):
            missing = [pid for pid, k in zip(entry["persons"], known) if not k]
            result.warnings.append(f"curated merge: no person {', '.join(missing)} is known")
        wanted = frozenset().union(*known)
        group = [p for p in persons if mention_keys(p) & wanted]
        if len(group) > 1:
            keep = group[0]
            for other in group[1:]:
                keep.evidence += other.evidence + [_curated(m, "curated merge", entry)
                                                   for m in other.mentions]
                keep.mentions = sorted(keep.mentions + other.mentions, key=lambda m: m.key)
                persons.remove(other)
    return persons


def _curated(mention: Mention, rule: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {"article_id": mention.article_id, "name": mention.name, "rule": rule,
            "with_article_id": None, "with_name": None,
            "detail": str(entry.get("note") or f"{CURATED} says so")}


def _give_ids(persons: list[Person], store: Store, result: Resolution) -> list[Person]:
    owner = {key: pid for pid, keys in store.persons.items() for key in keys}
    shared = [Counter(owner[k] for k in mention_keys(p) if k in owner) for p in persons]
    pairs = sorted(((n, pid, i) for i, counts in enumerate(shared) for pid, n in counts.items()),
                   key=lambda t: (-t[0], t[1], t[2]))
    taken: set[str] = set()
    for _, pid, i in pairs:
        if persons[i].person_id is None and pid not in taken:
            persons[i].person_id = pid
            taken.add(pid)
    for person in sorted(persons, key=lambda p: p.mentions[0].key):
        if person.person_id is None:
            person.person_id = store.new_id()
            result.new.append(person.person_id)
    for pid in sorted(set(store.persons) - taken):
        store.retired[pid] = {"reason": "no mention of the corpus is resolved to it",
                              "mentions": sorted(store.persons[pid])}
        result.retired.append(pid)
    store.persons = {str(p.person_id): mention_keys(p) for p in persons}
    return sorted(persons, key=lambda p: str(p.person_id))
