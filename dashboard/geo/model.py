"""The unit record the geography hands to the seeder, and the error a bad boundary file raises."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

LEVELS = ("city", "district", "town", "village", "grid")
# Set operations snap coordinates to this grid (degrees; 1e-11° is about 1 µm): snap rounding keeps
# overlays robust, and a fine grid keeps the seams between neighbours far below a square millimetre.
DIGITS = 11
PRECISION = 10.0**-DIGITS


class GeoImportError(ValueError):
    """A boundary file that cannot be imported; the message names the feature and the reason."""


@dataclass
class UnitSpec:
    """One administrative unit with its boundary (lon/lat, EPSG:4326) and residents."""

    code: str
    name: str
    name_en: str
    level: str  # city | district | town | village | grid
    parent_code: str | None
    district_code: str | None
    town_code: str | None
    village_code: str | None
    geometry: BaseGeometry
    population: int
    urban: bool
    sort_key: int

    def path(self, city_code: str) -> list[str]:
        """Codes from the city down to this unit: [city, district, ..., self.code]."""
        if self.level == "city":
            return [self.code]
        chain = [city_code, self.district_code, self.town_code, self.village_code]
        codes = [c for c in chain if c is not None and c != self.code]
        return [*codes, self.code]
