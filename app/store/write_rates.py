"""The per-key write rate limit, kept in the database so that every process and host behind
one PostgreSQL shares it: a token bucket per key, refilled continuously."""

from sqlalchemy import Connection, text

# The bucket as it stands now is its tokens plus the refill since it was last touched, capped:
#   least(:capacity, b.tokens + extract(epoch FROM clock_timestamp() - b.refilled_at) * :per_second)
# One atomic statement takes a token: a new key starts full; a token is taken only when one is
# there (the WHERE keeps the row untouched otherwise, and then nothing is returned).
_TAKE = text(
    "INSERT INTO write_rate_buckets AS b (key_id, tokens, refilled_at)"
    " VALUES (:key_id, :capacity - 1, clock_timestamp())"
    " ON CONFLICT (key_id) DO UPDATE SET refilled_at = clock_timestamp(),"
    " tokens = least(:capacity, b.tokens"
    " + extract(epoch FROM clock_timestamp() - b.refilled_at) * :per_second) - 1"
    " WHERE least(:capacity, b.tokens"
    " + extract(epoch FROM clock_timestamp() - b.refilled_at) * :per_second) >= 1"
    " RETURNING b.tokens"
)
_WAIT = text(
    "SELECT (1 - least(:capacity, b.tokens"
    " + extract(epoch FROM clock_timestamp() - b.refilled_at) * :per_second)) / :per_second"
    " FROM write_rate_buckets AS b WHERE b.key_id = :key_id"
)


def take_write_token(connection: Connection, key_id: int, per_minute: int) -> float:
    """Take one write from the key's bucket: 0, or the seconds until one is there."""
    values = {"key_id": key_id, "capacity": float(per_minute), "per_second": per_minute / 60.0}
    if connection.execute(_TAKE, values).first() is not None:
        return 0.0
    wait_s = connection.execute(_WAIT, values).scalar_one_or_none()
    return max(float(wait_s or 0.0), 0.0)
