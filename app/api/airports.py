"""GET /v1/airports: airports by ICAO or IATA code, name or city, for the map's search box and
route form (the same table route checks resolve codes with)."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.api.responses import JsonResponse
from app.core.routes.airports import search_airports

router = APIRouter(prefix="/v1", tags=["airports"])
MAX_AIRPORTS = 50


class AirportOut(BaseModel):
    """An airport as the search finds it."""

    icao: str
    iata: str = Field(description="Empty where the airport has none.")
    name: str
    city: str
    lat: float
    lon: float
    elevation_ft: float


class AirportsOut(BaseModel):
    """The airports found, best first."""

    airports: list[AirportOut]


@router.get(
    "/airports",
    operation_id="searchAirports",
    summary="Airports by code, name or city",
    response_model=AirportsOut,
)
def airports(
    q: Annotated[
        str, Query(min_length=1, max_length=64, description="EHAM, AMS, Schiphol, Amsterdam…")
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_AIRPORTS, description="At most this many.")] = 10,
) -> JsonResponse:
    """The ICAO code itself first, then IATA codes, then names and cities that start with the
    text, then those that hold it."""
    found = [
        AirportOut(
            icao=a.icao, iata=iata, name=a.name, city=city, lat=a.lat, lon=a.lon,
            elevation_ft=a.elevation_ft,
        ).model_dump()
        for a, iata, city in search_airports(q, limit)
    ]  # fmt: skip
    return JsonResponse({"airports": found})
