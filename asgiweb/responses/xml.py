"""``XMLResponse``: documents sent as they are, data serialised to XML 1.0 (fifth edition).

Mapping rules (the data is first reduced by ``jsonable_encoder``, so dataclasses,
pydantic models, datetimes, UUIDs, Decimals... arrive as dicts, lists and scalars):

- The document starts with ``<?xml version="1.0" encoding="utf-8"?>``.
- The root element: a mapping with exactly one key (and no ``@``/``#`` key) is
  that element; a dataclass or pydantic model is named after its class;
  anything else is wrapped in ``<root>``.
- A mapping's keys become child elements, in order.  A key starting with
  ``@`` becomes an attribute of the enclosing element, and ``#text`` its text
  (the xmltodict convention).
- A list that is a mapping value repeats the element once per item
  (``{"tag": ["a", "b"]}`` gives ``<tag>a</tag><tag>b</tag>``); a list that is
  an element's whole content (at the root, or a list inside a list) gives one
  ``<item>`` child per item.
- Scalars are text: ``true``/``false`` for booleans, the JSON spelling for
  numbers, an empty element (``<a/>``) for ``None``.

Safety rules: every element and attribute name must be an XML ``Name`` without
a colon (no namespace games), else ``ValueError``; text escapes ``& < >``;
attribute values are double-quoted and also escape ``"`` and tab/CR/LF (kept
as character references).  Characters XML 1.0 cannot carry at all (NUL and the
other C0 controls but tab/CR/LF, U+FFFE, U+FFFF, lone surrogates) raise
``ValueError``.  So data can never add markup to the document.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from asgiweb.encoders import jsonable_encoder
from asgiweb.responses.base import Response

__all__ = ["XMLResponse", "check_name", "to_xml"]

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# XML 1.0 (fifth edition) §2.3 NameStartChar / NameChar, without ":".
_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_NAME = re.compile(f"[{_START}][{_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def check_name(name: Any) -> str:
    """``name`` as an element/attribute name, or ``ValueError`` saying why it cannot be one."""
    text = str(name)
    if _NAME.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a valid XML element or attribute name")
    return text


def _checked(text: str) -> str:
    if _NOT_XML_CHAR.search(text) is not None:
        raise ValueError(
            "XML 1.0 cannot carry control characters such as NUL in text or attributes"
        )
    return text


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    return _checked(str(value))


def _write_content(out: list[str], name: str, value: Any) -> None:
    """Write ``<name ...>value</name>`` for one value (never a list: see ``_write_field``)."""
    if isinstance(value, Mapping):
        attributes: list[str] = []
        children: list[tuple[str, Any]] = []
        text: Any = None
        for key, item in value.items():
            key = str(key)
            if key.startswith("@"):
                attr = check_name(key[1:])
                if item is not None:
                    attributes.append(f' {attr}="{_scalar(item).translate(_ATTR_ESCAPES)}"')
            elif key == "#text":
                text = item
            else:
                children.append((check_name(key), item))
        out.append(f"<{name}{''.join(attributes)}")
        if text is None and not children:
            out.append("/>")
            return
        out.append(">")
        if text is not None:
            out.append(_scalar(text).translate(_TEXT_ESCAPES))
        for child, item in children:
            _write_field(out, child, item)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        if not value:
            out.append(f"<{name}/>")
            return
        out.append(f"<{name}>")
        for item in value:
            _write_content(out, "item", item)
        out.append(f"</{name}>")
    elif value is None:
        out.append(f"<{name}/>")
    else:
        out.append(f"<{name}>{_scalar(value).translate(_TEXT_ESCAPES)}</{name}>")


def _write_field(out: list[str], name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _write_content(out, name, item)
    else:
        _write_content(out, name, value)


def _root_name(content: Any, data: Any) -> tuple[str, Any]:
    if isinstance(data, Mapping) and len(data) == 1:
        (key,) = data
        key = str(key)
        if not key.startswith(("@", "#")):
            return check_name(key), data[key]
    if dataclasses.is_dataclass(content) or hasattr(type(content), "model_fields"):
        return check_name(type(content).__name__), data
    return "root", data


def to_xml(content: Any) -> bytes:
    """Serialise data (see the rules above) to a UTF-8 XML document."""
    data = jsonable_encoder(content)
    name, value = _root_name(content, data)
    out = [DECLARATION]
    _write_content(out, name, value)
    return "".join(out).encode("utf-8")


class XMLResponse(Response):
    """An XML document: ``str``/``bytes`` as they are, data serialised (rules above)."""

    media_type = "application/xml"

    def render(self, content: Any) -> bytes:
        if content is None or isinstance(content, str | bytes | bytearray | memoryview):
            return super().render(content)  # a document already: sent as it is
        return to_xml(content)
