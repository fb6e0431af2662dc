"""GET /v1/navdata: which AIRAC cycles of navigation data are loaded, and when each is in force."""

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.dependencies import EngineDep
from app.store.navdata import cycles

router = APIRouter(prefix="/v1", tags=["navigation data"])


class NavdataCycleOut(BaseModel):
    """One imported cycle."""

    cycle: str = Field(description="AIRAC cycle, YYNN.")
    effective_from: datetime = Field(description="When it comes into force (UTC).")
    effective_to: datetime = Field(description="When the next cycle replaces it (UTC).")
    in_force: bool = Field(description="Whether it is in force now.")
    source_format: str = Field(description="arinc424 or xplane.")
    source_name: str = Field(description="The file(s) it was imported from.")
    imported_at: datetime
    fixes: int = Field(description="Waypoints, navaids and airports.")
    airway_legs: int
    procedures: int = Field(description="SID and STAR transitions.")
    skipped: int = Field(description="Records the import could not use.")


class NavdataOut(BaseModel):
    """The cycles loaded, the newest first."""

    cycles: list[NavdataCycleOut]


@router.get(
    "/navdata",
    operation_id="listNavdata",
    summary="The navigation-data cycles loaded for resolving filed routes",
    response_model=NavdataOut,
)
async def list_navdata(engine: EngineDep) -> NavdataOut:
    """Every imported cycle (a filed route uses the one in force at departure)."""

    def read() -> NavdataOut:
        with engine.connect() as connection:
            loaded = cycles(connection)
        now = datetime.now(UTC)
        return NavdataOut(
            cycles=[
                NavdataCycleOut(**vars(c), in_force=c.effective_from <= now < c.effective_to)
                for c in loaded
            ]
        )

    return await run_in_threadpool(read)
