import logging


class OneLineFormatter(logging.Formatter):
    """One event, one line: newlines in messages and tracebacks are escaped, so that a log
    collector never splits an event or lets a message forge another one."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")
