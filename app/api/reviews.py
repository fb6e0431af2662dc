"""Editors keep the knowledge current: the review queue, and recording a review (renewed,
withdrawn, superseded, confirmed unchanged) as a versioned, audited write."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from app.api.auth import require_role
from app.api.dependencies import EngineDep
from app.api.editing import PATHS, FeatureId, LayerPath, known_layer
from app.api.problems import FieldError, Problem
from app.api.responses import JsonResponse
from app.api.write_support import limit_rate_off_loop, not_found, read_feature, refused
from app.core.layers.fields import Slug, Sources, Text, UtcDatetime
from app.core.layers.layer_file import LayerFileError
from app.core.layers.review import ReviewError
from app.core.layers.source_policy import source_problem
from app.core.layers.vocabulary import ReviewOutcome
from app.store import feature_writes, record_reviews
from app.store.api_keys import ApiKey
from app.store.review_queue import review_queue

router = APIRouter(prefix="/v1", tags=["review"], dependencies=[Depends(known_layer)])
Editor = Annotated[ApiKey, Depends(require_role("editor", "admin"))]
Watcher = Annotated[ApiKey, Depends(require_role("editor", "admin", "reviewer"))]


class RecordReview(BaseModel):
    """What an editor found, with the sources that show it."""

    model_config = ConfigDict(extra="forbid")
    outcome: ReviewOutcome = Field(
        description="renewed, withdrawn, superseded or confirmed_unchanged."
    )
    comment: Text = Field(max_length=2_000, description="What was checked, and where.")
    sources: Sources = Field(
        max_length=20,
        description="URLs that show the outcome (added to the record's): primary documents or "
        "reputable outlets, never mirrors, proxies, redirects, forums or aggregators.",
    )
    valid_to: UtcDatetime | None = Field(
        default=None, description="renewed: the new end (none: until further notice)."
    )
    reference: Text | None = Field(
        default=None, max_length=200, description="renewed: the new reference."
    )
    withdrawn_at: UtcDatetime | None = Field(
        default=None, description="withdrawn: when (default: now)."
    )
    superseded_by: Slug | None = Field(
        default=None,
        description="superseded: the id of the successor in the same layer (required); it "
        "gains this record in its supersedes.",
    )

    @field_validator("sources")
    @classmethod
    def _citable(cls, sources: list[str]) -> list[str]:
        for url in sources:
            problem = source_problem(url)
            if problem is not None:
                raise ValueError(f"{url}: {problem}")
        return sources


class ReviewQueueItem(BaseModel):
    """A record that needs an editor, and why."""

    layer: str
    id: str
    name: str
    issuer: str
    reference: str | None
    status: str
    reasons: list[str]
    valid_to: str | None
    end_basis: str
    last_reviewed_at: str | None
    last_review_outcome: str | None
    updated_at: str


class ReviewQueue(BaseModel):
    """The review queue at a time."""

    at: str
    items: list[ReviewQueueItem]


@router.get(
    "/review-queue",
    operation_id="reviewQueue",
    summary="Records lapsed, ending within 30 days or not reviewed for 90 days (editor)",
    response_model=ReviewQueue,
)
def get_review_queue(engine: EngineDep, key: Watcher) -> JsonResponse:
    """Most urgent first: lapsed records, then by end date."""
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.connect() as connection:
        items = review_queue(connection, now)
    return JsonResponse({"at": now.isoformat().replace("+00:00", "Z"), "items": items})


@router.post(
    "/{layer}/{feature_id}/reviews",
    operation_id="recordReview",
    summary="Record a review of a conflict zone or engagement area (editor)",
)
async def record_review(
    layer: LayerPath, feature_id: FeatureId, review: RecordReview, request: Request,
    engine: EngineDep, key: Editor,
) -> JsonResponse:  # fmt: skip
    """The record after the review: a new version and an audit row, or nothing on failure."""
    await limit_rate_off_loop(request, key)
    chosen = PATHS[layer]
    if (review.outcome is ReviewOutcome.SUPERSEDED) != (review.superseded_by is not None):
        reason = (
            "required for a superseded outcome"
            if review.superseded_by is None
            else "only a superseded outcome names a successor"
        )
        raise Problem(
            422, f"superseded_by: {reason}", "invalid-request",
            errors=[FieldError("superseded_by", reason)],
        )  # fmt: skip

    def write() -> dict[str, Any]:
        now = datetime.now(UTC)
        try:
            with engine.begin() as connection:
                return record_reviews.record(
                    connection, chosen, feature_id, key.id, now, review.outcome,
                    review.comment, list(review.sources), check=lambda body: read_feature(
                        body, chosen, False
                    ), valid_to=review.valid_to, withdrawn_at=review.withdrawn_at,
                    reference=review.reference, superseded_by=review.superseded_by,
                )  # fmt: skip
        except feature_writes.FeatureMissing as error:
            raise not_found(error) from None
        except ReviewError as error:
            raise Problem(
                422, f"{error.field}: {error}", "invalid-request",
                errors=[FieldError(error.field, str(error))],
            ) from None  # fmt: skip
        except LayerFileError as error:
            raise refused(error) from None

    return JsonResponse(await run_in_threadpool(write))
