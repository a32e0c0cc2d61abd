"""The release's table files: Parquet shards and their JSON Lines twin, typed from the columns.

:class:`TableWriter` writes a table (its columns as :mod:`archive.release.tables` describes them)
into a folder of its own, ``data/NAME/``: as Parquet shards ``NAME-0000K-of-0000N.parquet`` (one
schema for every shard; row groups sized for the Hugging Face dataset viewer; a page index so
readers can seek) and as JSON Lines beside them, ``NAME.jsonl``. One folder per table, so a glob
or a folder read takes one table's rows and only those (``data/*.parquet`` once spanned every
table). The Arrow schema comes from the columns' JSON Schema: dates as dates, instants as UTC
timestamps, lists as lists, objects with known properties as structs, free-form objects as JSON
text.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from ifes_archive.archive.release.tables import json_type

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from importlib.machinery import ModuleSpec
    from pathlib import Path

    import pyarrow as pa

#: Rows go to a row group until their JSON reaches this size. Writing a group holds about eight
#: times its JSON in Python objects and Arrow arrays, so this bounds the memory a release takes
#: whatever the corpus size; the Hugging Face dataset viewer refuses groups over 286 MiB.
ROW_GROUP_BYTES = 8 * 2**20
#: A table is split into shards of about this much JSON (the ``datasets`` library's default
#: ``max_shard_size`` is 500 MB).
SHARD_BYTES = 500 * 2**20
#: zstd: several times smaller than snappy on text, read by pyarrow, DuckDB, Polars, Spark, R.
COMPRESSION = "zstd"


class _NoPandas:
    """An import finder that refuses pandas (:func:`pandas_kept_out`)."""

    def find_spec(self, name: str, path: object = None, target: object = None,
                  ) -> ModuleSpec | None:
        if name.partition(".")[0] == "pandas":
            raise ImportError("pandas is kept out of pyarrow's conversion of Python values")
        return None


@contextmanager
def pandas_kept_out() -> Iterator[None]:
    """Keep pandas from being imported (unless it is loaded already) while pyarrow converts
    Python values. pyarrow's conversion (``pa.array``, ``Table.from_pydict``) imports pandas
    only to ask whether the values are pandas objects: 0.5 s of a release's CPU, 1.7 s without
    cached bytecode (pandas is no dependency of the release, a test tool only). Without it,
    pyarrow converts as it does where pandas is not installed; it tries the import again at
    each conversion (microseconds: the finder refuses at once)."""
    if "pandas" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def arrow_type(spec: dict[str, Any]) -> pa.DataType:
    """Return the Arrow type of a JSON Schema property (what it nests may be null)."""
    import pyarrow as pa

    kind, _ = json_type(spec)
    if kind == "string":
        return {"date": pa.date32(), "date-time": pa.timestamp("us", tz="UTC")}.get(
            spec.get("format", ""), pa.string())
    if kind == "array":
        return pa.list_(arrow_type(spec.get("items", {})))
    if kind == "object":
        if "properties" not in spec:
            return pa.string()  # free-form: its JSON text
        return pa.struct([arrow_field(name, sub, nullable=True)
                          for name, sub in spec["properties"].items()])
    return {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}[kind]


def arrow_field(name: str, spec: dict[str, Any], nullable: bool | None = None) -> pa.Field:
    """Return the Arrow field of a JSON Schema property, its description in the metadata;
    nullable when the schema allows null (or when ``nullable`` says so)."""
    import pyarrow as pa

    metadata = {"description": spec["description"]} if spec.get("description") else None
    return pa.field(name, arrow_type(spec), nullable=json_type(spec)[1] if nullable is None
                    else nullable, metadata=metadata)


def arrow_schema(properties: dict[str, dict[str, Any]]) -> pa.Schema:
    """Return the Arrow schema of a table."""
    import pyarrow as pa

    return pa.schema([arrow_field(name, spec) for name, spec in properties.items()])


def instant(value: str) -> datetime:
    """Return a WARC-Date (``2026-11-30T17:17:17.877899Z``) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def as_is(value: Any) -> Any:
    """Return ``value``: the converter of a type Arrow takes as JSON holds it (a
    :func:`converter` that the table writer skips)."""
    return value


def converter(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """Return the function that turns a value (as JSON holds it) into the Python form its
    Arrow type takes: ISO dates and instants parsed, free-form objects as JSON text; :func:`as_is`
    for a value (a list of such values included) Arrow takes as it is."""
    kind, _ = json_type(spec)
    if kind == "string" and spec.get("format") in ("date", "date-time"):
        parse = date.fromisoformat if spec["format"] == "date" else instant
        return lambda value: None if value is None else parse(value)
    if kind == "array":
        item = converter(spec.get("items", {}))
        return as_is if item is as_is else \
            lambda value: None if value is None else [item(v) for v in value]
    if kind == "object" and "properties" not in spec:
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    if kind == "object":
        return _struct_converter({name: converter(sub)
                                  for name, sub in spec["properties"].items()})
    return as_is


def _struct_converter(parts: dict[str, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """Return the converter of a struct of ``parts``: only its converted fields are called."""
    plain = [name for name, part in parts.items() if part is as_is]
    converted = [(name, part) for name, part in parts.items() if part is not as_is]

    def convert(value: Any) -> Any:
        if value is None:
            return None
        fields = {name: value.get(name) for name in plain}  # (Arrow takes fields by name)
        fields.update((name, part(value.get(name))) for name, part in converted)
        return fields
    return convert


@dataclass
class _Shard:
    path: Path
    writer: Any
    bytes: int = 0


def table_folder(data: Path, name: str) -> Path:
    """Return the folder of table ``name`` in a release's ``data/`` folder."""
    return data / name


def table_jsonl(data: Path, name: str) -> Path:
    """Return the JSON Lines file of table ``name`` in a release's ``data/`` folder; in a
    release built before tables had folders, ``data/NAME.jsonl`` (readers take either)."""
    path = table_folder(data, name) / f"{name}.jsonl"
    flat = data / f"{name}.jsonl"
    return flat if not path.is_file() and flat.is_file() else path


def shard_name(name: str, index: int, count: int) -> str:
    """Return the file name of shard ``index`` of ``count`` of a table (the ``datasets``
    library's own naming, also for a table of one shard)."""
    return f"{name}-{index:05d}-of-{count:05d}.parquet"


class TableWriter:
    """Writes one table into its folder ``DATA/NAME/`` (``DATA`` is the release's ``data/``):
    Parquet shards ``NAME-0000K-of-0000N.parquet`` and ``NAME.jsonl``, row by row, in the
    order given."""

    def __init__(self, data: Path, name: str, properties: dict[str, dict[str, Any]],
                 shard_bytes: int = SHARD_BYTES, row_group_bytes: int = ROW_GROUP_BYTES):
        self.folder, self.name, self.properties = table_folder(data, name), name, properties
        self.schema = arrow_schema(properties)
        self._converters = {name: converter(spec) for name, spec in properties.items()}
        self.shard_bytes = shard_bytes
        self.row_group_bytes = min(row_group_bytes, shard_bytes)  # a group is in one shard
        self._shards: list[_Shard] = []
        self._pending: list[dict[str, Any]] = []
        self._pending_bytes = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        # held open until close(): rows come one at a time
        self._jsonl = open(self.folder / f"{name}.jsonl", "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    def write(self, row: dict[str, Any] | msgspec.Struct, line: str | None = None) -> None:
        """Add one row: a row dataclass's (as JSON holds it, :func:`~archive.release.tables.row_of`)
        or a typed row (an article's); ``line`` is its JSON text when the caller has it."""
        data: dict[str, Any] = msgspec.to_builtins(row) if isinstance(row, msgspec.Struct) else row
        line = line if line is not None else json.dumps(data, ensure_ascii=False)
        self._jsonl.write(line + "\n")
        self._pending.append(data)
        self._pending_bytes += len(line)
        if self._pending_bytes >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self._pending:
            return
        shard = self._shard()
        columns = {name: [row.get(name) for row in self._pending] if convert is as_is else
                   [convert(row.get(name)) for row in self._pending]
                   for name, convert in self._converters.items()}
        with pandas_kept_out():
            table = pa.Table.from_pydict(columns, schema=self.schema)
        shard.writer.write_table(table, row_group_size=len(self._pending))
        shard.bytes += self._pending_bytes
        self._pending, self._pending_bytes = [], 0

    def _shard(self) -> _Shard:
        import pyarrow.parquet as pq

        if self._shards and self._shards[-1].bytes < self.shard_bytes:
            return self._shards[-1]
        path = self.folder / f"{self.name}-{len(self._shards):05d}.parquet.partial"
        writer = pq.ParquetWriter(path, self.schema, compression=COMPRESSION,
                                  write_page_index=True, use_content_defined_chunking=True)
        self._shards.append(_Shard(path, writer))
        return self._shards[-1]

    def close(self) -> list[Path]:
        """Finish the files; return the Parquet files written (shards in order)."""
        self._flush()
        self._jsonl.close()
        if not self._shards:
            self._shard()  # an empty table still has its file, with its schema
        for shard in self._shards:
            shard.writer.close()
        count = len(self._shards)
        final = [self.folder / shard_name(self.name, i, count) for i in range(count)]
        for shard, path in zip(self._shards, final):
            shard.path.replace(path)
        return final
