"""The record's types and the JSON Schema generated from them."""

from __future__ import annotations

import json
from typing import get_args

import jsonschema
import msgspec
import pytest

from ifes_archive.archive.page.schema import (
    FLAGS,
    RECORD_KEYS,
    SCHEMA_PATH,
    record_schema,
    schema_json,
)
from ifes_archive.archive.types import (
    STRUCTS,
    Breadcrumb,
    Check,
    DateOptions,
    DateValue,
    Extractor,
    Flag,
    Gone,
    Packages,
    PagePointer,
    Person,
    Record,
)


def _record(**changes: object) -> Record:
    pointer = PagePointer("f.warc.gz", 10, 200, "<urn:uuid:a>", "http://h/index.php?id=1",
                          "2026-11-30T17:17:17.877899Z", page=0)
    record = Record(
        url="http://h/index.php?option=com_content&task=view&id=1", article_id=1, title="T",
        title_raw="T", subtitle=None, authors=[Person("Иванов И.", ["Иванов И."])],
        authors_sources=["byline"], date_published=DateValue("2012-02-03", "03.02.2012",
                                                             "createdate"),
        date_modified=None, language="ru", sections=["A"],
        breadcrumb=Breadcrumb(60, ["A"], ["index.php?x"]), text="Текст.", bio=None, pages=1,
        word_count=1, captures=[pointer], encoding=[], flags=["incomplete"],
        extractor=Extractor(method="template", packages=Packages(lxml="5"), input="i", text="t",
                            dates=DateOptions("%d.%m.%Y", ["ru"], "DMY")),
        checks=[Check("authors", True, "")],
        gone=Gone("2026-12-01T00:00:00Z", "HTTP 404", pointer.pointer()), digest="0" * 40)
    return msgspec.structs.replace(record, **changes)


def test_the_shipped_schema_is_the_one_the_types_give() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_json()
    schema = record_schema()
    assert list(schema["properties"]) == list(RECORD_KEYS)
    # every part of the record is described, its own fields too
    captures = schema["properties"]["captures"]["items"]["properties"]
    assert captures["page"]["type"] == "integer"
    assert captures["warc_offset"]["description"] == "Byte offset of the record in the file."
    assert all(spec.get("description") for spec in schema["properties"].values())
    assert schema["properties"]["status"]["enum"] == ["current", "superseded", "gone"]


def test_every_flag_is_explained() -> None:
    assert list(FLAGS) == list(get_args(Flag))
    assert record_schema()["properties"]["flags"]["items"]["enum"] == list(FLAGS)


def test_a_record_of_the_types_follows_the_schema_and_comes_back_equal() -> None:
    record = _record()
    line = msgspec.json.encode(record)
    jsonschema.Draft202012Validator(record_schema()).validate(json.loads(line))
    assert msgspec.json.decode(line, type=Record) == record
    # the template's extractor holds no generic options, not even a null
    assert "trafilatura_options" not in json.loads(line)["extractor"]


@pytest.mark.parametrize(("path", "value"), [
    (("flags",), ["not-a-flag"]),
    (("status",), "old"),
    (("version",), 0),
    (("captures", 0, "page"), "one"),
    (("date_published", "value"), "3 Feb 2012"),
])
def test_a_line_the_types_refuse_says_where(path: tuple[str | int, ...], value: object) -> None:
    data = msgspec.to_builtins(_record())
    holder = data
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    jsonschema_error = list(jsonschema.Draft202012Validator(record_schema()).iter_errors(data))
    assert jsonschema_error, "the schema refuses it too"
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.json.decode(json.dumps(data), type=Record)
    assert f"$.{path[0]}" in str(refused.value)


def test_every_struct_of_the_record_is_listed() -> None:
    _, components = msgspec.json.schema_components([Record])
    assert set(components) <= {cls.__name__ for cls in STRUCTS}
