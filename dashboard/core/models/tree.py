"""The unit tree and what hangs off it: units (city to grid), command centers, departments,
business lines and items, and the field staff."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.core.models.base import Base


class Unit(Base):
    """One node of the administrative tree: city, district, town, village or grid."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    # Ancestor codes, denormalised so subtree filters are equality tests.
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    town_code: Mapped[str | None] = mapped_column(String(64), index=True)
    village_code: Mapped[str | None] = mapped_column(String(64), index=True)
    boundary: Mapped[str] = mapped_column(Text)  # GeoJSON geometry
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer, default=0)
    urban: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_key: Mapped[int] = mapped_column(Integer, default=0)

class CommandCenter(Base):
    """A command center (综治/网格中心) at the city, district, town or village level."""

    __tablename__ = "command_centers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), unique=True)
    name: Mapped[str] = mapped_column(String(96))
    level: Mapped[str] = mapped_column(String(16), index=True)

class Department(Base):
    """A department sharing data or routing work on the platform (34; 23 enforce through grids)."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    enforcement: Mapped[bool] = mapped_column(Boolean, default=False)

class BusinessLine(Base):
    """A "网格+" practice (or the general line) that screens filter by."""

    __tablename__ = "business_lines"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    origin_unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))

class BusinessItem(Base):
    """One of the 118 business items (入格业务事项) with its per-stage time limits in minutes."""

    __tablename__ = "business_items"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(96))
    name_en: Mapped[str] = mapped_column(String(128))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    line_code: Mapped[str] = mapped_column(ForeignKey("business_lines.code"), index=True)
    limit_dispatch_min: Mapped[int] = mapped_column(Integer)
    limit_accept_min: Mapped[int] = mapped_column(Integer)
    limit_resolve_min: Mapped[int] = mapped_column(Integer)
    limit_check_min: Mapped[int] = mapped_column(Integer)
    default_severity: Mapped[int] = mapped_column(SmallInteger, default=2)

class Staff(Base):
    """A field staff member: information manager, patrol inspector or enforcement officer."""

    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), index=True)
    # The grid (or, for officers covering an area, the town) they answer for.
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(64), index=True)
    village_code: Mapped[str | None] = mapped_column(String(64), index=True)
    town_code: Mapped[str | None] = mapped_column(String(64), index=True)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    shift: Mapped[str] = mapped_column(String(16), default="day")  # day | evening | night
    phone: Mapped[str | None] = mapped_column(String(20))
