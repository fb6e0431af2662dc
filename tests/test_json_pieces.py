"""Large answers encoded in pieces are byte for byte what one orjson call gives."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.api.responses import PIECE_ITEMS, encode_json, encode_json_in_pieces

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


@given(st.dictionaries(st.text(max_size=6), JSON, max_size=6))
def test_pieces_equal_one_call(content: dict[str, Any]) -> None:
    assert encode_json_in_pieces(content) == encode_json(content)


def test_a_route_check_shaped_answer() -> None:
    # Lists just below, at and above the piece size; keys that need escaping; numpy values.
    content = {
        "segments": [
            {"index": i, "at": datetime(2024, 12, 25, 3, 55, tzinfo=UTC)} for i in range(17)
        ],
        "few": list(range(PIECE_ITEMS)),
        'quote"key': [np.float64(1.5)] * (PIECE_ITEMS + 1),
        "empty": [],
    }
    assert encode_json_in_pieces(content) == encode_json(content)
    assert encode_json_in_pieces([1, 2]) == encode_json([1, 2])
