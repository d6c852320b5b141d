import logging
import re

from django.apps import apps

# Before the apps are loaded portal.models cannot be imported; the few lines logged while
# Django starts get every digit masked instead (better too much than a number).
_ANY_DIGIT = re.compile("[0-9\uff10-\uff19]")


def _mask(text: str) -> str:
    if not apps.ready:
        return _ANY_DIGIT.sub("*", text)
    from portal.models import mask_full_numbers  # not at the top: see above

    return mask_full_numbers(text)


class OneLineFormatter(logging.Formatter):
    """One event, one line: newlines in messages and tracebacks are escaped, so that a log
    collector never splits an event or lets a message forge another one. Anything shaped like
    a full My Number (portal.models.contains_full_number) is masked, whoever logged it: a
    request line with a typed search, a 404 path, an exception repeating its input."""

    def format(self, record: logging.LogRecord) -> str:
        # Masked before the line breaks are escaped: a break between digits is a separator.
        return _mask(super().format(record)).replace("\r", "\\r").replace("\n", "\\n")
