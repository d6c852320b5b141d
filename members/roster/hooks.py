"""Where apps above members join the roster import: each imported member row, in its batch.

members cannot import the apps that keep records of their own about a member (eligibility's
マイナ保険証 registration, read from the roster's column), so those apps register a factory here
from their AppConfig.ready(). Every members file run asks each factory for a handler; the member
writer then calls, inside the import's transaction and batch by batch:

  load(members)        once per batch, with the batch's members already on record: read what
                       the handler needs for the whole batch in one query;
  stage(member, row)   once per row that will be written (new, changed or unchanged): remember
                       the change; True when the row changes something, so an otherwise
                       unchanged row counts as updated;
  write()              each time members of the batch have been saved (本人 first, then the
                       dependents; new ones have their pks by then): write what was staged
                       since the last write(), with its audit events, in bulk.

A rejected file rolls everything back, the handler's writes included.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from members.models import Member
    from members.roster.parse import MemberRow


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What a handler may need to know about the run."""

    day: date  # the import's day (Asia/Tokyo)
    actor: Any  # the user who started the run, or None (the command, the portal itself)
    ip: str | None  # the client's address, for audit events


class MemberRowHandler(Protocol):
    """Receives each imported member row and writes its own records in the same transaction.

    `row.my_number` may still hold the plaintext 個人番号 when stage() is called: a handler must
    neither keep nor log it."""

    def load(self, members: Collection[Member]) -> None: ...

    def stage(self, member: Member, row: MemberRow) -> bool: ...

    def write(self) -> None: ...


HandlerFactory = Callable[[ImportContext], MemberRowHandler]

_factories: list[HandlerFactory] = []


def register(factory: HandlerFactory) -> HandlerFactory:
    """Add a handler factory; registering the same one again (ready() run twice) is a no-op."""
    if factory not in _factories:
        _factories.append(factory)
    return factory


def handlers(context: ImportContext) -> list[MemberRowHandler]:
    """Fresh handlers for one run, in registration order."""
    return [factory(context) for factory in _factories]
