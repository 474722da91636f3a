"""Where a person lives: a Kommune and, when known, one of its Gemeinden.

The one `Place` of the app: the rule engine decides for it (kind and status of the
Kommune and Gemeinde, every Gemeinde of the Kommune), and the assistant's gazetteer
finds it by what a person types (`key`, `name`, `label`). An offer's location is
another thing (`directory.hsds.records.LocationRec`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    kommune_id: str
    kommune_name: str
    kommune_kind: str
    gemeinde_id: str | None = None  # None when only the Kommune (Kreis) is known
    gemeinde_name: str | None = None
    gemeinde_status: str | None = None
    gemeinden: tuple[str, ...] = ()  # every Gemeinde of the Kommune

    @property
    def key(self) -> str:
        """How a person chooses the place: "g:<AGS>" for a Gemeinde, "k:<id>" for a Kommune."""
        return f"g:{self.gemeinde_id}" if self.gemeinde_id else f"k:{self.kommune_id}"

    @property
    def name(self) -> str:
        """The German name: the Gemeinde's, else the Kommune's."""
        return self.gemeinde_name or self.kommune_name

    @property
    def label(self) -> str:
        """The name with its Kreis where that tells places apart ("Ahaus (Kreis Borken)")."""
        if self.gemeinde_id is None or self.kommune_name == self.name:
            return self.name
        return f"{self.name} ({self.kommune_name})"
