from __future__ import annotations

import dataclasses
import datetime
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.responses.xml import DECLARATION, XMLResponse, check_name, to_xml
from tests.harness import drive


def body(data: Any) -> str:
    out = to_xml(data).decode("utf-8")
    assert out.startswith(DECLARATION)
    return out[len(DECLARATION) :]


@dataclasses.dataclass
class Point:
    x: int
    y: int
    label: str | None = None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"shampoo": {"Header": "Apply", "Body": "Soap"}},
            "<shampoo><Header>Apply</Header><Body>Soap</Body></shampoo>",
        ),
        ({"a": 1, "b": 2}, "<root><a>1</a><b>2</b></root>"),
        ({}, "<root/>"),
        ({"note": None}, "<note/>"),
        ({"note": ""}, "<note></note>"),
        ({"item": {"tag": ["a", "b"]}}, "<item><tag>a</tag><tag>b</tag></item>"),
        ({"item": {"tag": []}}, "<item></item>"),
        ([1, 2], "<root><item>1</item><item>2</item></root>"),
        ([], "<root/>"),
        (
            {"a": {"m": [[1, 2], [3]]}},
            "<a><m><item>1</item><item>2</item></m><m><item>3</item></m></a>",
        ),
        ({"items": [1, 2]}, "<items><item>1</item><item>2</item></items>"),
        (
            {"m": [[1, 2], [3]]},
            "<m><item><item>1</item><item>2</item></item><item><item>3</item></item></m>",
        ),
        (
            {"v": {"t": True, "f": False, "n": 1.5, "i": -3}},
            "<v><t>true</t><f>false</f><n>1.5</n><i>-3</i></v>",
        ),
        (
            {"user": {"@id": 7, "@role": "admin", "name": "Ann"}},
            '<user id="7" role="admin"><name>Ann</name></user>',
        ),
        ({"user": {"@id": 7}}, '<user id="7"/>'),
        ({"user": {"@id": None, "#text": "x"}}, "<user>x</user>"),
        ({"price": {"@currency": "EUR", "#text": 9.5}}, '<price currency="EUR">9.5</price>'),
        (Point(1, 2), "<Point><x>1</x><y>2</y><label/></Point>"),
        ([Point(1, 2)], "<root><item><x>1</x><y>2</y><label/></item></root>"),
        ({"when": datetime.date(2026, 1, 2)}, "<when>2026-01-02</when>"),
        ({"id": uuid.UUID(int=1)}, "<id>00000000-0000-0000-0000-000000000001</id>"),
        ({"d": Decimal("2.50")}, "<d>2.5</d>"),
        ("plain", "<root>plain</root>"),
        (5, "<root>5</root>"),
        ({"名前": "値"}, "<名前>値</名前>"),
    ],
)
def test_to_xml_table(data: Any, expected: str) -> None:
    assert body(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"t": "<b>&amp;</b>"}, "<t>&lt;b&gt;&amp;amp;&lt;/b&gt;</t>"),
        ({"t": "]]>"}, "<t>]]&gt;</t>"),
        ({"t": {"@a": '"><x y="'}}, '<t a="&quot;&gt;&lt;x y=&quot;"/>'),
        ({"t": {"@a": "l1\nl2\tx\r"}}, '<t a="l1&#10;l2&#9;x&#13;"/>'),
        ({"t": "line\nnext\ttab"}, "<t>line\nnext\ttab</t>"),
    ],
)
def test_escaping(data: Any, expected: str) -> None:
    assert body(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"bad name": 1},
        {"1st": 1},
        {"a<b": 1},
        {"ns:tag": 1},
        {"": 1},
        {"-x": 1},
        {"ok": {"@bad attr": 1}},
        {"ok": {"@": 1}},
        {"ok": {"#tail": 1}},
        {"a": 1, "b": {"c d": 2}},
        {3: "numbers are not names"},
        {"t": "nul\x00"},
        {"t": "bell\x07"},
        {"t": {"@a": "\x1b"}},
        {"t": "\ufffe"},
    ],
)
def test_invalid_names_and_characters_raise_valueerror(data: Any) -> None:
    with pytest.raises(ValueError):
        to_xml(data)


@pytest.mark.parametrize("name", ["a", "_a", "a-b.c_1", "Ä", "x·y", "xmlish"])
def test_valid_names(name: str) -> None:
    assert check_name(name) == name


def test_pydantic_model_root_is_its_class() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        title: str
        tags: list[str]

    assert body(Item(title="<hi>", tags=["a", "b"])) == (
        "<Item><title>&lt;hi&gt;</title><tags>a</tags><tags>b</tags></Item>"
    )


_XML_TEXT = st.text(
    st.characters(
        codec="utf-8",
        blacklist_characters="".join(chr(c) for c in range(32) if c not in (9, 10))
        + "\r\ufffe\uffff",
    ),
    max_size=40,
)


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), _XML_TEXT, max_size=3), _XML_TEXT)
def test_user_data_never_adds_markup(attributes: dict[str, str], text: str) -> None:
    data = {"doc": {**{f"@{k}": v for k, v in attributes.items()}, "#text": text, "child": text}}
    root = ET.fromstring(to_xml(data))
    assert root.tag == "doc"
    assert root.attrib == attributes
    assert (root.text or "") == text
    assert [child.tag for child in root] == ["child"]
    assert (root[0].text or "") == text


# --- XMLResponse on the wire ---------------------------------------------------------


@pytest.mark.anyio
async def test_xml_str_and_bytes_go_out_as_they_are() -> None:
    document = '<?xml version="1.0"?>\n<shampoo><Header>Apply</Header></shampoo>'
    peer = await drive(XMLResponse(document))
    assert peer.body == document.encode()
    assert peer.header("content-type") == "application/xml"
    assert (await drive(XMLResponse(b"<raw/>"))).body == b"<raw/>"


@pytest.mark.anyio
async def test_xml_data_is_serialised_and_escaped() -> None:
    peer = await drive(XMLResponse({"note": {"@to": 'A "B"', "body": "<script>"}}, status_code=201))
    assert peer.status == 201
    assert peer.body == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<note to="A &quot;B&quot;"><body>&lt;script&gt;</body></note>'
    )


def test_xml_invalid_name_raises() -> None:
    with pytest.raises(ValueError, match="not a valid XML"):
        XMLResponse({"bad name": 1})
