"""Large answers encoded in pieces are byte for byte what one orjson call gives (the expected
bytes: one `encode_json` call over the whole object)."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.api.responses import CHUNK_BYTES, PIECE_ITEMS, encode_json, encode_json_in_pieces

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.just(UTC))
)
JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3 * PIECE_ITEMS)
        | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=60,
)


def pieces(lead: dict[str, Any], key: str, items: list[Any] | None, rest: dict[str, Any]) -> bytes:
    """The chunks joined; the items handed over as an iterator, as the service does."""
    return b"".join(encode_json_in_pieces(lead, key, None if items is None else iter(items), rest))


@given(
    st.dictionaries(st.text(max_size=6), JSON, max_size=3),
    st.text(max_size=6),
    st.none() | st.lists(JSON, max_size=3 * PIECE_ITEMS),
    st.dictionaries(st.text(max_size=6), JSON, max_size=3),
)
def test_pieces_equal_one_call(
    lead: dict[str, Any], key: str, items: list[Any] | None, rest: dict[str, Any]
) -> None:
    lead.pop(key, None)
    rest = {k: v for k, v in rest.items() if k != key and k not in lead}
    whole = {**lead, **({key: items} if items is not None else {}), **rest}
    assert pieces(lead, key, items, rest) == encode_json(whole)


def test_a_route_check_shaped_answer() -> None:
    # Lists just below, at and above the piece size; keys that need escaping; numpy values.
    segments = [{"index": i, "at": datetime(2024, 12, 25, 3, 55, tzinfo=UTC)} for i in range(17)]
    rest = {"few": list(range(PIECE_ITEMS)), 'quote"key': [np.float64(1.5)] * (PIECE_ITEMS + 1)}
    expected = encode_json({"id": "r1", "segments": segments, **rest})
    assert pieces({"id": "r1"}, "segments", segments, rest) == expected
    assert pieces({}, "segments", [], {}) == b'{"segments":[]}'


def test_large_answers_come_in_chunks_of_about_the_chunk_size() -> None:
    # Items of 100 KB: each chunk closes at the first piece that takes it past CHUNK_BYTES.
    item = "x" * 100_000
    chunks = encode_json_in_pieces({}, "segments", iter([item] * 100), {})
    assert b"".join(chunks) == encode_json({"segments": [item] * 100})
    assert len(chunks) > 1
    piece_bytes = PIECE_ITEMS * (len(item) + 3)
    assert all(CHUNK_BYTES <= len(c) <= CHUNK_BYTES + piece_bytes for c in chunks[:-1])
