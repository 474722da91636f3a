"""Export the directory as HSDS 3.1: a JSON list of nested services, or the CSV data package.

`sheet_xlsx` / `sheet_csv` write the active offers in the spreadsheet template's
columns instead (for editing in a spreadsheet program and uploading again).
Both HSDS forms carry every offer (of one Kommune, or all) with the `kim-lotse` profile
attributes; the JSON is valid against `service_package.json` of HSDS 3.1
(each item a compiled `service`), the CSV package against its datapackage.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from directory.hsds import tabular, to_hsds
from directory.records import read_records


def services(s: Session, kommune_id: str | None = None) -> list[dict]:
    """Every offer (of one Kommune) as a nested HSDS service, ordered by name and id."""
    terms = to_hsds.topic_terms(s)
    return [to_hsds.service(r, terms) for r in read_records(s, kommune_id=kommune_id)]


def to_json(s: Session, kommune_id: str | None = None) -> str:
    return json.dumps(services(s, kommune_id), ensure_ascii=False, indent=1) + "\n"


def _flat(s: Session, kommune_id: str | None) -> dict[str, list[dict]]:
    return tabular.flatten(services(s, kommune_id), to_hsds.taxonomies(s),
                           to_hsds.all_terms(s))


def package_files(s: Session, kommune_id: str | None = None) -> dict[str, str]:
    """The CSV data package as {file name: text}."""
    return tabular.files(_flat(s, kommune_id))


def write_package(s: Session, target: Path, kommune_id: str | None = None) -> None:
    """The CSV data package into a folder (or a .zip)."""
    tabular.write(target, _flat(s, kommune_id))


def _sheet(s: Session, kommune_id: str | None) -> tuple[list[str], list[list]]:
    from sqlalchemy import select

    from directory.hsds.sheet_export import offer_rows
    from directory.models import Gemeinde

    names = {g.id: g.name for g in s.scalars(select(Gemeinde))}
    return offer_rows(read_records(s, kommune_id=kommune_id, active_only=True), names)


def sheet_xlsx(s: Session, kommune_id: str | None = None) -> bytes:
    """The active offers (of one Kommune) as the spreadsheet template, with its help sheet."""
    from directory.hsds.sheet import workbook
    from directory.reference import taxonomy

    return workbook(*_sheet(s, kommune_id), {t["code"]: t["de"] for t in taxonomy()})


def sheet_csv(s: Session, kommune_id: str | None = None) -> bytes:
    from directory.hsds.sheet import csv_bytes

    return csv_bytes(*_sheet(s, kommune_id))
