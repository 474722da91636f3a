"""SQLAlchemy 2 models: the HSDS 3.1 core tables plus the NRW profile.

HSDS tables keep their HSDS names and columns (a subset of the optional
ones); the NRW profile adds Kommunen, Gemeinden, per-language translations,
the target group (age range, residence statuses), the legal domain, the
office kind (which public office or programme an offer is an entry of) and
the freshness fields. Nothing here is SQLite-specific: ids are UUID strings,
lists are JSON, so the same models run on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Namespace for stable ids derived from data keys (uuid5), so re-loading the
#: same data gives the same ids.
ID_NAMESPACE = uuid.UUID("6f1f8d2e-5b0c-4f43-9a0e-4b1d0c6a7e21")


def stable_id(key: str) -> str:
    """A UUID that is the same every time for the same data key."""
    return str(uuid.uuid5(ID_NAMESPACE, key))


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


# --- NRW reference data -------------------------------------------------------


class Kommune(Base):
    """One of the 54 KIM-Kommunen (or the fictional demo Kommune)."""

    __tablename__ = "kommune"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # AGS, or "demo"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # kreisfreie_stadt | kreis | staedteregion
    regierungsbezirk: Mapped[str] = mapped_column(String(60))
    ags: Mapped[str | None] = mapped_column(String(8))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    # where the referral notification goes (no personal data in it); set by an admin
    case_management_email: Mapped[str | None] = mapped_column(String(254))
    # its Kommunales Integrationszentrum (KI): contact data shown to staff; set by an admin
    ki_name: Mapped[str | None] = mapped_column(String(200))
    ki_email: Mapped[str | None] = mapped_column(String(254))
    ki_phone: Mapped[str | None] = mapped_column(String(60))
    ki_street: Mapped[str | None] = mapped_column(String(300))
    ki_postal_code: Mapped[str | None] = mapped_column(String(5))
    ki_city: Mapped[str | None] = mapped_column(String(200))
    # set when an admin changed the row: reloading the reference files keeps the change
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    gemeinden: Mapped[list[Gemeinde]] = relationship(back_populates="kommune")


class Gemeinde(Base):
    """A Gemeinde (municipality); a kreisfreie Stadt is its own single Gemeinde."""

    __tablename__ = "gemeinde"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # 8-digit AGS
    name: Mapped[str] = mapped_column(String(200), index=True)
    kommune_id: Mapped[str] = mapped_column(ForeignKey("kommune.id"), index=True)
    status: Mapped[str] = mapped_column(String(60))
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    kommune: Mapped[Kommune] = relationship(back_populates="gemeinden")


# --- HSDS 3.1 core --------------------------------------------------------------


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Service(Base):
    """An offer. HSDS service plus the NRW profile columns."""

    __tablename__ = "service"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")  # HSDS status
    fees_description: Mapped[str | None] = mapped_column(Text)
    # NRW profile
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20), default="kommune")  # kommune | national
    legal_domain: Mapped[str | None] = mapped_column(String(40))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    residence_statuses: Mapped[list] = mapped_column(JSON, default=list)
    # the kind of public office or programme this offer is an entry of ("jugendamt",
    # "jobcenter", "jmd" ...; codes in app/responsibility/vocab.py); None = not an office
    office_kind: Mapped[str | None] = mapped_column(String(40), index=True)
    appointment_only: Mapped[bool] = mapped_column(Boolean, default=False)
    temporarily_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_verified: Mapped[dt.date | None] = mapped_column(Date, index=True)
    last_modified: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organization: Mapped[Organization] = relationship(back_populates="services")
    translations: Mapped[list[ServiceTranslation]] = relationship(
        cascade="all, delete-orphan", back_populates="service"
    )
    phones: Mapped[list[Phone]] = relationship(cascade="all, delete-orphan")
    languages: Mapped[list[Language]] = relationship(cascade="all, delete-orphan")
    schedules: Mapped[list[Schedule]] = relationship(cascade="all, delete-orphan")
    service_areas: Mapped[list[ServiceArea]] = relationship(cascade="all, delete-orphan")
    contacts: Mapped[list[Contact]] = relationship(cascade="all, delete-orphan")
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        cascade="all, delete-orphan", back_populates="service"
    )


class ServiceTranslation(Base):
    """NRW profile: name and description of an offer in one UI language."""

    __tablename__ = "service_translation"
    __table_args__ = (UniqueConstraint("service_id", "lang"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    lang: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    service: Mapped[Service] = relationship(back_populates="translations")


class Location(Base):
    __tablename__ = "location"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    location_type: Mapped[str] = mapped_column(String(20), default="physical")
    name: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    gemeinde_id: Mapped[str | None] = mapped_column(ForeignKey("gemeinde.id"))
    addresses: Mapped[list[Address]] = relationship(cascade="all, delete-orphan")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship()


class Address(Base):
    __tablename__ = "address"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    address_1: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100), default="Nordrhein-Westfalen")
    state_province: Mapped[str] = mapped_column(String(100), default="NW")
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="DE")
    address_type: Mapped[str] = mapped_column(String(20), default="physical")


class Phone(Base):
    __tablename__ = "phone"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    type: Mapped[str | None] = mapped_column(String(20), default="voice")
    description: Mapped[str | None] = mapped_column(Text)


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))


class Schedule(Base):
    """HSDS schedule: one weekly slot (RFC 5545 BYDAY list plus opens/closes)."""

    __tablename__ = "schedule"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    freq: Mapped[str] = mapped_column(String(10), default="WEEKLY")
    byday: Mapped[str] = mapped_column(String(40))  # "MO,TU,WE"
    opens_at: Mapped[str] = mapped_column(String(5))  # "09:00"
    closes_at: Mapped[str] = mapped_column(String(5))  # "12:00" ("24:00" = end of day)
    description: Mapped[str | None] = mapped_column(Text)


class Language(Base):
    __tablename__ = "language"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(16))


class ServiceArea(Base):
    """HSDS service_area; `gemeinde_id` (NRW profile) names a Gemeinde served."""

    __tablename__ = "service_area"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    gemeinde_id: Mapped[str | None] = mapped_column(ForeignKey("gemeinde.id"), index=True)


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[str | None] = mapped_column(String(40))


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    taxonomy_id: Mapped[str] = mapped_column(ForeignKey("taxonomy.id"))
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict] = mapped_column(JSON, default=dict)  # NRW profile: {lang: label}


class Attribute(Base):
    """HSDS attribute: links a taxonomy term to an entity (here: service categories)."""

    __tablename__ = "attribute"
    __table_args__ = (UniqueConstraint("link_id", "link_type", "taxonomy_term_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    link_id: Mapped[str] = mapped_column(String(36), index=True)
    link_type: Mapped[str] = mapped_column(String(40))
    link_entity: Mapped[str] = mapped_column(String(40), default="service")
    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id"), index=True)
    value: Mapped[str | None] = mapped_column(Text)


# --- editors' change history ------------------------------------------------------------


class OfferChange(Base):
    """One saved change of an offer: who, when, what (field-level diff), and its undo.

    `changes` is a list of {"field", "before", "after"} in the flat field names of
    `directory.drafts`; `undo_of` names the change this one undid, `undone_by` the
    change that undid this one. No foreign key to `service`: the history outlives
    a re-import that replaces the row.
    """

    __tablename__ = "offer_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(String(36), index=True)
    kommune_id: Mapped[str | None] = mapped_column(String(40), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    actor_id: Mapped[str] = mapped_column(String(36))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))  # create update archive restore verify undo
    changes: Mapped[list] = mapped_column(JSON, default=list)
    undo_of: Mapped[int | None] = mapped_column(Integer)
    undone_by: Mapped[int | None] = mapped_column(Integer)


# --- translations to review (issue 16) -----------------------------------------------------


class TranslationReview(Base):
    """A translated field whose German text changed after it was translated.

    One row per offer, language and field (`name` or `description`), written by the one
    writer of offers (`directory.reviews.note`, called from `directory.hsds.writer.write`)
    on every path that changes an offer. `german_before` is the German text the translation
    was made from (the first one, when the German text changed more than once since).
    No foreign key to `service`, like the history: the writer replaces service rows.
    """

    __tablename__ = "translation_review"
    __table_args__ = (UniqueConstraint("service_id", "lang", "field"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(String(36), index=True)
    lang: Mapped[str] = mapped_column(String(16), index=True)
    field: Mapped[str] = mapped_column(String(20))
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    german_before: Mapped[str] = mapped_column(Text, default="")
