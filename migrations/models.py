"""SQLAlchemy models of the example schema; ``env.py`` autogenerates against them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("dob", Date, nullable=True),
    Column("dod", Date, nullable=True),
    Column("nationality", String(100), nullable=True),
)

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
)

team_memberships = Table(
    "team_memberships",
    metadata,
    Column("team_id", Integer, ForeignKey("teams.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("people.id"), primary_key=True),
)

__all__ = ["dt", "metadata", "people", "team_memberships", "teams"]
