"""Request and response data structures: headers, query parameters, URL, state.

The raw ASGI header list, ``[(name_bytes, value_bytes), ...]``, is the truth;
:class:`Headers` is a case-insensitive multi-dict *view* over it, built lazily
the first time it is asked something, so a request that never looks at its
headers pays nothing for them.

Header rules enforced by :class:`MutableHeaders` through ``validate_header``
(its home is ``asgiweb._http``, with the grammar it checks): a name is a
non-empty RFC 9110 ``token``; a value holds no control character other than
horizontal tab (so no CR, LF or NUL and no response splitting).  Breaking a
rule raises ``ValueError`` where the header is set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from io import BytesIO
from operator import itemgetter
from typing import Any, BinaryIO, NamedTuple, TypeVar, overload
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from asgiweb._concurrency import run_in_threadpool
from asgiweb._http import RawHeaders, host_authority, validate_header
from asgiweb._spooled import spooled_around, spooled_file_with
from asgiweb._validation.scalars import Invalid

__all__ = [
    "URL",
    "Address",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
    "validate_header",
]

_T = TypeVar("_T")


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive multi-dict over a raw ASGI header list.

    ``h[name]`` and ``h.get(name)`` give the first value; ``h.getlist(name)``
    (alias ``get_list``) gives all of them in order.  As in Starlette,
    ``keys()``, ``values()`` and ``items()`` are lists with one entry per
    header line, duplicates included (``multi_items()`` is ``items()``);
    ``len()`` and iteration count each name once.
    """

    __slots__ = ("_index", "_raw")

    def __init__(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        raw: RawHeaders | None = None,
        scope: Mapping[str, Any] | None = None,
    ) -> None:
        if raw is not None:
            self._raw = raw
        elif scope is not None:
            self._raw = list(scope.get("headers") or ())
        elif headers is None:
            self._raw = []
        else:
            items = headers.items() if isinstance(headers, Mapping) else headers
            self._raw = [validate_header(k, v) for k, v in items]
        self._index: dict[str, list[str]] | None = None

    @property
    def raw(self) -> RawHeaders:
        return self._raw

    def _build(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name, value in self._raw:
            index.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        self._index = index
        return index

    def _lookup(self) -> dict[str, list[str]]:
        index = self._index
        return self._build() if index is None else index

    def __getitem__(self, key: str) -> str:
        return self._lookup()[key.lower()][0]

    @overload
    def get(self, key: str, default: None = None) -> str | None: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    def get(self, key: str, default: Any = None) -> Any:
        index = self._index
        if index is None:
            # PERF: one look-up on a fresh request (a Header() parameter) scans the raw
            # list instead of indexing every header (benchmarks: deps, ~0.7 us).  The
            # same answer: the first line whose latin-1 name, lowercased, is the key's.
            wanted = key.lower()
            try:
                encoded = wanted.encode("latin-1")
            except UnicodeEncodeError:
                return default
            size = len(encoded)
            for name, value in self._raw:
                if len(name) == size and (
                    name == encoded or name.decode("latin-1").lower() == wanted
                ):
                    return value.decode("latin-1")
            return default
        values = index.get(key.lower())
        return default if values is None else values[0]

    def getlist(self, key: str) -> list[str]:
        return list(self._lookup().get(key.lower(), ()))

    get_list = getlist

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())

    def multi_items(self) -> list[tuple[str, str]]:
        return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in self._raw]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return self.multi_items()

    def keys(self) -> list[str]:  # type: ignore[override]
        return [k.decode("latin-1").lower() for k, _ in self._raw]

    def values(self) -> list[str]:  # type: ignore[override]
        return [v.decode("latin-1") for _, v in self._raw]

    def mutablecopy(self) -> MutableHeaders:
        """An editable copy (editing it leaves these headers alone)."""
        return MutableHeaders(raw=list(self._raw))

    def __eq__(self, other: object) -> bool:
        # Starlette's rule: only headers equal headers (the same lines, in any order).
        if not isinstance(other, Headers):
            return False
        return sorted(self.multi_items()) == sorted(other.multi_items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # As Starlette's: a dict when no name repeats, else the raw list.
        items = self.multi_items()
        as_dict = dict(items)
        if len(as_dict) == len(items):
            return f"{type(self).__name__}({as_dict!r})"
        return f"{type(self).__name__}(raw={self._raw!r})"


# PERF: header pairs set through MutableHeaders, checked by validate_header and
# encoded: name -> value -> pair, for the exact strs set (benchmarks: funcmw sets
# the same one on every request).  Bounded, short values only: a value may come
# from a request.  Only a checked pair is ever stored, so a hit is a valid header.
_CHECKED_PAIRS: dict[str, dict[str, tuple[bytes, bytes]]] = {}
_NO_VALUES: dict[str, tuple[bytes, bytes]] = {}
_CHECKED_PAIRS_LIMIT = 512  # pairs, over all names
_CHECKED_VALUE_MAX = 64
_checked_count = 0


def _remember_pair(name: str, value: str, pair: tuple[bytes, bytes]) -> None:
    global _checked_count
    if _checked_count < _CHECKED_PAIRS_LIMIT:
        _checked_count += 1
        _CHECKED_PAIRS.setdefault(name, {})[value] = pair


_new_object = object.__new__


class MutableHeaders(Headers):
    """Headers that edit the raw list in place, validating what is set."""

    __slots__ = ()

    @classmethod
    def view(cls, raw: RawHeaders) -> MutableHeaders:
        """What ``cls(raw=raw)`` makes, a view editing ``raw`` in place, without the
        constructor's branches (PERF: benchmarks/inprocess.py "funcmw", ~0.1 us)."""
        headers = cls.__new__(cls)
        headers._raw = raw
        headers._index = None
        return headers

    def __setitem__(self, key: str, value: str) -> None:
        # PERF: the pairs code sets repeat (``x-process: 1``): a pair checked once is
        # remembered, encoded, so the common set is two look-ups, no allocation
        # (benchmarks: funcmw).
        try:
            pair = _CHECKED_PAIRS.get(key, _NO_VALUES).get(value)
        except TypeError:  # unhashable: not a str, validate_header says so
            pair = None
        if pair is None:
            pair = validate_header(key, value)
            if type(key) is str and type(value) is str and len(value) <= _CHECKED_VALUE_MAX:
                _remember_pair(key, value, pair)
        name = pair[0]
        raw = self._raw
        self._index = None
        # PERF: a plain loop, no list of names: a response has few headers and the
        # name is usually new (benchmarks: funcmw sets one per request).
        for item in raw:
            if item[0] == name:
                break
        else:
            raw.append(pair)
            return
        first = raw.index(item)
        raw[first] = pair
        rest = raw[first + 1 :]
        if any(item[0] == name for item in rest):
            raw[first + 1 :] = [item for item in rest if item[0] != name]

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        before = len(self._raw)
        self._raw[:] = [item for item in self._raw if item[0] != name]
        if len(self._raw) == before:
            raise KeyError(key)
        self._index = None

    def pop(self, key: str, default: Any = None) -> Any:
        value = self.get(key, default)
        if key in self:
            del self[key]
        return value

    def append(self, key: str, value: str) -> None:
        """Add a value without replacing the existing ones (``set-cookie``, ``vary``...)."""
        self._raw.append(validate_header(key, value))
        self._index = None

    def setdefault(self, key: str, value: str) -> str:
        existing = self.get(key)
        if existing is None:
            self[key] = value
            return value
        return str(existing)

    def update(self, other: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        items = other.items() if isinstance(other, Mapping) else other
        for key, value in items:
            self[key] = value

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        """A copy with ``other``'s headers set over these (``h | {"x-a": "1"}``)."""
        if not isinstance(other, Mapping):
            return NotImplemented
        merged = self.mutablecopy()
        merged.update(other)
        return merged

    def __ior__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            return NotImplemented
        self.update(other)
        return self

    def add_vary_header(self, vary: str) -> None:
        existing = self.get("vary")
        if existing:
            vary = f"{existing}, {vary}"
        self["vary"] = vary


def mutable_headers_view(raw: RawHeaders) -> MutableHeaders:
    """``MutableHeaders.view(raw)`` as a plain function: a view editing ``raw`` in
    place.  PERF: calling a classmethod binds a method object each time; this does
    not (benchmarks: funcmw, ~0.05 us)."""
    headers: MutableHeaders = _new_object(MutableHeaders)
    headers._raw = raw
    headers._index = None
    return headers


class QueryParams(Mapping[str, str]):
    """Read-only multi-dict over a query string, parsed lazily.

    ``q[key]`` and ``q.get(key)`` give the *last* value, as Starlette does;
    ``getlist`` gives all values in order.  Built from a query string (``str`` or
    ``bytes``), a mapping, a list of pairs or another multi-dict (every pair
    kept), plus keyword pairs, as Starlette's.  Equal to another ``QueryParams``
    with the same pairs, in the same order for each key (Starlette's rule); never
    to a plain dict.
    """

    __slots__ = ("_index", "_items", "_raw")

    def __init__(
        self,
        *args: str | bytes | Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
        **kwargs: Any,
    ) -> None:
        if len(args) > 1:
            raise TypeError(f"QueryParams takes at most one positional argument, got {len(args)}")
        query = args[0] if args else None
        self._items: list[tuple[str, str]] | None
        self._index: dict[str, list[str]] | None = None
        self._raw = b""
        if query is None:
            self._items = []
        elif isinstance(query, bytes):
            self._items = None
            self._raw = query
        elif isinstance(query, str):
            self._items = None
            try:
                self._raw = query.encode("latin-1")
            except UnicodeEncodeError:  # text beyond latin-1: parsed as it is, now
                self._items = parse_qsl(query, keep_blank_values=True)
        else:
            pairs = _pairs_of(query)
            self._items = [(str(k), str(v)) for k, v in pairs]
        if kwargs:
            self._items = self.multi_items() + [(str(k), str(v)) for k, v in kwargs.items()]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return False
        return _by_key(self.multi_items()) == _by_key(other.multi_items())

    __hash__ = None  # type: ignore[assignment]

    def multi_items(self) -> list[tuple[str, str]]:
        items = self._items
        if items is None:
            text = self._raw.decode("latin-1")
            if "%" in text or "+" in text:
                items = parse_qsl(text, keep_blank_values=True, encoding="utf-8")
            else:
                # PERF: nothing to unquote: split by hand, as parse_qsl would
                # (~4x cheaper for `q=x&limit=3`; benchmarks/bench_params.py).
                items = [
                    (key, value)
                    for key, _, value in (
                        piece.partition("=") for piece in text.split("&") if piece
                    )
                ]
            self._items = items
        return items

    def _lookup(self) -> dict[str, list[str]]:
        index = self._index
        if index is None:
            index = {}
            items = self._items
            raw = self._raw
            # PERF: 37 is "%", 43 is "+": an int needle is a plain byte search, where a
            # bytes one (``b"%" in raw``) first fails as an int, raising and clearing
            # a TypeError (~0.06 us each; benchmarks/compare.py items).
            if items is None and 37 not in raw and 43 not in raw:
                # PERF: the common query (`q=x`, nothing to unquote) goes straight
                # into the index; the pair list is built only if someone asks for it.
                for piece in raw.decode("latin-1").split("&"):
                    if piece:
                        key, _, value = piece.partition("=")
                        found = index.get(key)
                        if found is None:
                            index[key] = [value]
                        else:
                            found.append(value)
            else:
                for key, value in self.multi_items():
                    index.setdefault(key, []).append(value)
            self._index = index
        return index

    def __getitem__(self, key: str) -> str:
        return self._lookup()[key][-1]

    @overload
    def get(self, key: str, default: None = None) -> str | None: ...
    @overload
    def get(self, key: str, default: _T) -> str | _T: ...
    def get(self, key: str, default: Any = None) -> Any:
        # PERF: Mapping.get goes through a KeyError for a missing key (~0.5 us);
        # absent optional query parameters are the common case.
        values = self._lookup().get(key)
        return default if values is None else values[-1]

    def getlist(self, key: str) -> list[str]:
        return list(self._lookup().get(key, ()))

    get_list = getlist

    def __contains__(self, key: object) -> bool:
        return key in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())

    def __str__(self) -> str:
        return urlencode(self.multi_items())

    def __repr__(self) -> str:
        return f"QueryParams({str(self)!r})"


def query_params_of(raw: bytes) -> QueryParams:
    """What ``QueryParams(raw)`` makes of a query string's bytes, without the
    constructor's branches (PERF: every request that reads its query builds one)."""
    query: QueryParams = _new_object(QueryParams)
    query._raw = raw
    query._items = None
    query._index = None
    return query


def _pairs_of(source: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a mapping, a list of pairs or a multi-dict; every
    pair of a multi-dict (``QueryParams``, ``ImmutableMultiDict``, ``FormData``)."""
    if isinstance(source, QueryParams | ImmutableMultiDict):
        return source.multi_items()
    if isinstance(source, Mapping):
        return list(source.items())
    return list(source)


def _by_key(pairs: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Pairs sorted by key only, a key's values kept in their order (the equality of
    Starlette's multi-dicts: the same values for each key, in the same order)."""
    return sorted(pairs, key=itemgetter(0))


class Address(NamedTuple):
    """A peer's ``(host, port)`` as the server put it in the scope (``request.client``)."""

    host: str
    port: int


class URL:
    """A URL with Starlette's API: ``URL("http://a/b?c=1")``, ``URL(scope=scope)`` or
    ``URL(scheme=..., netloc=..., path=..., query=...)``.

    The parts (``scheme netloc path query fragment username password hostname
    port``) are those of ``urllib.parse.urlsplit``; ``str()`` is the URL and a
    URL equals any object whose ``str()`` is the same.  A request's URL is
    built from its scope only when asked, and its parts need no parsing.
    ``URL(scheme, netloc, path, query)`` (four strings) builds one from parts.
    """

    __slots__ = ("_str", "fragment", "netloc", "path", "query", "scheme")

    def __init__(
        self,
        url: str = "",
        scope: Mapping[str, Any] | str | None = None,
        path: str | None = None,
        query: str = "",
        **components: Any,
    ) -> None:
        self._str: str | None = None
        if isinstance(scope, str):  # URL(scheme, netloc, path, query)
            self._set(url, scope, path or "", query, "")
        elif scope is not None:
            if url or components or path is not None:
                raise TypeError("URL(scope=...) takes no url or parts besides")
            self._set(*_parts_from_scope(scope))
        else:
            if components or path is not None or query:
                if url:
                    raise TypeError("URL() takes a url or its parts, not both")
                if path is not None:
                    components["path"] = path
                if query:
                    components["query"] = query
                url = str(URL("").replace(**components))
            self._set(*urlsplit(url))
            self._str = url

    def _set(self, scheme: str, netloc: str, path: str, query: str, fragment: str) -> None:
        self.scheme = scheme
        self.netloc = netloc
        self.path = path
        self.query = query
        self.fragment = fragment

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any]) -> URL:
        """The URL a request was made to (``URL(scope=scope)``)."""
        url = cls.__new__(cls)
        url.scheme, url.netloc, url.path, url.query, url.fragment = _parts_from_scope(scope)
        url._str = None
        return url

    @property
    def components(self) -> SplitResult:
        return SplitResult(self.scheme, self.netloc, self.path, self.query, self.fragment)

    @property
    def username(self) -> str | None:
        return self.components.username

    @property
    def password(self) -> str | None:
        return self.components.password

    @property
    def hostname(self) -> str | None:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **parts: Any) -> URL:
        """A new URL with some parts changed: ``scheme netloc path query fragment``,
        or ``hostname port username password`` (which rebuild the netloc)."""
        if parts.keys() & {"hostname", "port", "username", "password"}:
            current = self.components
            host = parts.pop("hostname", None)
            port = parts.pop("port", current.port)
            username = parts.pop("username", current.username)
            password = parts.pop("password", current.password)
            if host is None:  # keep the current host, brackets and all
                host = current.netloc.rpartition("@")[2]
                if host and not host.endswith("]"):
                    host = host.rsplit(":", 1)[0]
            elif ":" in host and not host.startswith("["):
                host = f"[{host}]"  # an IPv6 literal
            netloc = host if port is None else f"{host}:{port}"
            if username is not None:
                credentials = username if password is None else f"{username}:{password}"
                netloc = f"{credentials}@{netloc}"
            parts["netloc"] = netloc
        return type(self)(urlunsplit(self.components._replace(**parts)))

    def include_query_params(self, **params: Any) -> URL:
        """Set these query parameters (each replaces every value of its key), keep the rest."""
        given = {str(key): str(value) for key, value in params.items()}
        pairs = parse_qsl(self.query, keep_blank_values=True)
        kept = [item for item in pairs if item[0] not in given]
        return self.replace(query=urlencode(kept + list(given.items())))

    def replace_query_params(self, **params: Any) -> URL:
        """The query string made of these parameters alone."""
        return self.replace(query=urlencode([(str(k), str(v)) for k, v in params.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        """Drop every value of these query parameters."""
        dropped = {keys} if isinstance(keys, str) else set(keys)
        pairs = parse_qsl(self.query, keep_blank_values=True)
        kept = [item for item in pairs if item[0] not in dropped]
        return self.replace(query=urlencode(kept))

    def __str__(self) -> str:
        text = self._str
        if text is None:
            netloc, path = self.netloc, self.path
            if netloc and path.startswith("/") and not self.fragment:
                text = f"{self.scheme}://{netloc}{path}"
                if self.query:
                    text = f"{text}?{self.query}"
            else:
                text = urlunsplit(self.components)
            self._str = text
        return text

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        text = str(self.replace(password="********")) if self.password else str(self)
        return f"{type(self).__name__}({text!r})"


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def escape_delimiters(path: str) -> str:
    """A decoded path made fit for a URL: ``?``, ``#`` and ``\\`` percent-encoded.

    A decoded path may hold them; encoded, they cannot be read as the query or
    fragment (or as a separator), as in Starlette.
    """
    if "?" in path or "#" in path or "\\" in path:
        return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    return path


def _parts_from_scope(scope: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """The URL parts of a request (ASGI spec, "HTTP Connection Scope"): the ``host``
    header when it is a valid authority (``asgiweb._http.host_authority``), else
    ``server`` (port left out when it is the scheme's default); the query string as
    UTF-8, or as latin-1 when it is not UTF-8."""
    scheme = scope.get("scheme", "http")
    netloc = ""
    for name, value in scope.get("headers") or ():
        if name == b"host":
            netloc = host_authority(value.decode("latin-1")) or ""
            break
    if not netloc:
        server = scope.get("server")
        if server:
            host, port = server[0], server[1]
            if ":" in host and not host.startswith("["):
                host = f"[{host}]"  # an IPv6 literal
            default = port is None or port == _DEFAULT_PORTS.get(scheme)
            netloc = host if default else f"{host}:{port}"
    path = escape_delimiters(scope.get("path", "/"))
    raw_query: bytes = scope.get("query_string", b"")
    try:
        query = raw_query.decode()  # as Starlette: UTF-8 ...
    except UnicodeDecodeError:
        query = raw_query.decode("latin-1")  # ... and what is not UTF-8 (Starlette fails)
    if not netloc:  # no host known: a relative URL, path and query only
        if path.startswith("//"):
            path = "/%2F" + path[2:]  # else the path would read as a host
        return "", "", path, query, ""
    return scheme, netloc, path, query, ""


class State:
    """An attribute bag (``app.state``, ``request.state``) over a plain dict."""

    __slots__ = ("_state",)

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", {} if state is None else state)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._state[name]
        except KeyError:
            raise AttributeError(f"'State' object has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._state[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._state[name]
        except KeyError:
            raise AttributeError(name) from None

    def __contains__(self, name: str) -> bool:
        return name in self._state

    def __repr__(self) -> str:
        return f"State({self._state!r})"


# -- forms: multi-dicts and uploaded files (docs/forms.md) -------------------------

_K = TypeVar("_K")
_V = TypeVar("_V")


class ImmutableMultiDict(Mapping[_K, _V]):
    """A read-only multi-dict: ``d[k]`` and ``d.get(k)`` give the last value of a
    repeated key, ``getlist(k)`` all of them in order, ``multi_items()`` every pair.
    Equal to a multi-dict of its class with the same values for each key, in the
    same order (Starlette's rule)."""

    __slots__ = ("_dict", "_list")

    def __init__(
        self,
        *args: ImmutableMultiDict[_K, _V] | Mapping[_K, _V] | Iterable[tuple[_K, _V]],
        **kwargs: Any,
    ) -> None:
        if len(args) > 1:
            raise TypeError("ImmutableMultiDict takes at most one positional argument")
        items: list[tuple[Any, Any]] = _pairs_of(args[0]) if args else []
        if kwargs:
            items.extend(kwargs.items())
        self._list: list[tuple[_K, _V]] = items
        self._dict: dict[_K, _V] = dict(items)

    def getlist(self, key: Any) -> list[_V]:
        return [value for name, value in self._list if name == key]

    get_list = getlist

    def multi_items(self) -> list[tuple[_K, _V]]:
        return list(self._list)

    def __getitem__(self, key: _K) -> _V:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[_K]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        # Starlette's rule: the other is of this class, with the same values for
        # each key in the same order.
        if not isinstance(other, type(self)):
            return False
        return _by_key(self._list) == _by_key(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class UploadFile:
    """One uploaded file: its metadata and its content in ``file``.

    ``file`` is a ``SpooledTemporaryFile`` when the multipart parser made it: held in
    memory up to 1 MiB, then rolled over to a temporary file on disk.  The async
    methods call the file directly while it is in memory and through a worker
    thread once it is on disk (or about to roll over), so a slow disk never blocks
    the event loop.

    A file part of a small body that arrived whole is held as an in-memory buffer
    over the body's bytes (:meth:`_of_part`); its ``SpooledTemporaryFile`` is made
    around that very buffer the first time ``file`` is read, so whoever touches
    ``file`` gets the real file object, at the position the async methods left it
    (PERF: benchmarks/compare.py upload, where the handler only awaits ``read()``).
    """

    __slots__ = ("_buffer", "_file", "_spool_size", "filename", "headers", "size")
    _spool_size: int  # the rollover size of the file made from ``_buffer``

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self._file = file
        self._buffer: BytesIO | None = None
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()

    @property
    def file(self) -> BinaryIO:
        """The file object: made from the in-memory buffer on first use, if need be."""
        buffer = self._buffer
        if buffer is not None:
            self._file = spooled_around(buffer, self._spool_size)
            self._buffer = None
        return self._file

    @file.setter
    def file(self, file: BinaryIO) -> None:
        self._file = file
        self._buffer = None

    @classmethod
    def _of_part(
        cls, data: bytes, size_limit: int, filename: str, raw_headers: RawHeaders
    ) -> UploadFile:
        """The upload of a file part whose bytes are ``data`` (at most ``size_limit``,
        its spooled file's rollover size): what ``cls(spooled_file_with(data,
        size_limit), size=len(data), filename=filename, headers=Headers(raw=raw_headers))``
        gives, its file made on first use.

        PERF (benchmarks/compare.py upload): for UploadFile itself, the slots are
        filled in without the constructor calls and the file is left to be made;
        a subclass gets its own ``__init__`` and its file at once."""
        if cls is not UploadFile:
            return cls(
                spooled_file_with(data, size_limit),
                size=len(data),
                filename=filename,
                headers=Headers(raw=raw_headers),
            )
        return _held_upload(data, size_limit, filename, raw_headers)

    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("content-type")
        return value

    @property
    def _in_memory(self) -> bool:
        # A SpooledTemporaryFile says whether it has rolled over to disk; any other
        # file object is treated as on disk (blocking I/O goes to a thread).
        if self._buffer is not None:
            return True
        rolled: bool = getattr(self._file, "_rolled", True)
        return not rolled

    async def write(self, data: bytes) -> None:
        file = self.file  # a write may roll the file over: the real one does it
        if self.size is not None:
            self.size += len(data)
        # A write that makes a spooled file roll over does disk I/O: a thread's job.
        limit = getattr(file, "_max_size", 0)  # 0: a spooled file that never rolls
        if self._in_memory and (not limit or file.tell() + len(data) <= limit):
            file.write(data)
        else:
            await _in_thread(file.write, data)

    async def _write_pieces(self, pieces: list[bytes], total: int) -> None:
        """``write(b"".join(pieces))`` without the join: one thread call for all of them.

        ``total`` is their summed length.  The multipart parser gathers a file's
        bytes as python-multipart hands them over and writes them here in batches
        (benchmarks/bench_upload.py).
        """
        file = self.file
        if self.size is not None:
            self.size += total
        limit = getattr(file, "_max_size", 0)
        if self._in_memory and (not limit or file.tell() + total <= limit):
            _write_all(file, pieces)
        else:
            await _in_thread(_write_all, file, pieces)

    async def read(self, size: int = -1) -> bytes:
        buffer = self._buffer
        if buffer is not None:
            # What the spooled file's read does while in memory: its buffer's read.
            return buffer.read(size)
        if self._in_memory:
            return self._file.read(size)
        return await _in_thread(self._file.read, size)

    async def seek(self, offset: int) -> None:
        buffer = self._buffer
        if buffer is not None:
            buffer.seek(offset)
        elif self._in_memory:
            self._file.seek(offset)
        else:
            await _in_thread(self._file.seek, offset)

    async def close(self) -> None:
        buffer = self._buffer
        if buffer is not None:
            buffer.close()  # the spooled file made later is closed too
            return
        file = self._file
        if getattr(file, "_rolled", True):  # not self._in_memory, without the property
            await _in_thread(file.close)
        else:
            file.close()

    def _close_now(self) -> None:
        """Close the file without awaiting: for a parser's cleanup on failure."""
        buffer = self._buffer
        if buffer is not None:
            buffer.close()
        else:
            self._file.close()

    def __repr__(self) -> str:
        return (
            f"UploadFile(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"
        )

    @classmethod
    def __asgiweb_convert__(cls, value: Any) -> Any:
        """How a handler parameter annotated ``UploadFile`` validates its input."""
        if isinstance(value, cls):
            return value
        raise _upload_error(value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        # Lets a pydantic form model declare an UploadFile field; only pydantic calls it.
        from pydantic_core import core_schema

        def check(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            raise ValueError(f"Expected UploadFile, received: {type(value)}")

        return core_schema.no_info_plain_validator_function(check)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        # Such a model's field in the OpenAPI document: a file, as FastAPI writes it.
        return {"type": "string", "contentMediaType": "application/octet-stream"}


def _held_upload(
    data: bytes, size_limit: int, filename: str, raw_headers: RawHeaders
) -> UploadFile:
    """``UploadFile._of_part`` for UploadFile itself: its slots filled in without the
    constructor calls, its bytes held in a buffer, its file made on first use."""
    headers = Headers.__new__(Headers)  # what Headers(raw=raw_headers) sets
    headers._raw = raw_headers
    headers._index = None
    upload = UploadFile.__new__(UploadFile)
    upload._buffer = BytesIO(data)
    upload._spool_size = size_limit
    upload.size = len(data)
    upload.filename = filename
    upload.headers = headers
    return upload


def _upload_error(value: Any) -> Exception:
    return Invalid(
        [
            {
                "type": "value_error",
                "loc": (),
                "msg": f"Value error, Expected UploadFile, received: {type(value)}",
                "input": value,
                "ctx": {"error": {}},
            }
        ]
    )


def _write_all(file: BinaryIO, pieces: list[bytes]) -> None:
    write = file.write
    for piece in pieces:
        write(piece)


async def _in_thread(func: Callable[..., _V], *args: Any) -> _V:
    return await run_in_threadpool(func, *args)


class FormData(ImmutableMultiDict[str, "str | UploadFile"]):
    """The fields of a form body: strings, and :class:`UploadFile` for file parts.

    ``await form.close()`` closes every file in it.
    """

    __slots__ = ()

    @classmethod
    def _from_list(cls, items: list[tuple[str, str | UploadFile]]) -> FormData:
        """The form of the (key, value) list ``items``, taken as it is (not copied):
        what the form parsers build, without the constructor's checks."""
        form = cls.__new__(cls)
        form._list = items
        form._dict = dict(items)
        return form

    # PERF: dict.get, not Mapping.get's __getitem__ and KeyError (a Form() parameter
    # reads its value with it).
    @overload
    def get(self, key: str, default: None = None) -> str | UploadFile | None: ...
    @overload
    def get(self, key: str, default: str | UploadFile | _T) -> str | UploadFile | _T: ...
    def get(self, key: str, default: Any = None) -> Any:
        return self._dict.get(key, default)

    async def close(self) -> None:
        for _, value in self._list:
            if value.__class__ is UploadFile:
                # PERF: what UploadFile.close does, without a coroutine per file.
                buffer = value._buffer
                if buffer is not None:
                    buffer.close()
                    continue
                file = value._file
                if getattr(file, "_rolled", True):
                    await _in_thread(file.close)
                else:
                    file.close()
            elif isinstance(value, UploadFile):
                await value.close()
