"""What every long-running command's log shares: no line an outsider can forge.

An email typed at the login form, a crawled title or a queue message can hold a newline or a
terminal escape; written as it is, it would start a forged log line or repaint the operator's
terminal. The filter below turns every control character of a record's message into a visible
escape before any handler writes it (tracebacks, which the handler adds itself, stay multi-line).
"""

from __future__ import annotations

import logging
import unicodedata


def printable(text: str) -> str:
    """The text with each control or format character (newline, ESC, bidi overrides...) shown
    as an escape such as \\n or \\x1b."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in named:
        return named[ch]
    code = ord(ch)
    if code < 0x100 or unicodedata.category(ch).startswith("C"):
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


class PrintableOnly(logging.Filter):
    """On a handler: the record's message, arguments substituted, with control characters
    escaped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = printable(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def guard_handlers(*loggers: logging.Logger) -> None:
    """Adds PrintableOnly to every handler of these loggers (the root logger when none given)."""
    for logger in loggers or (logging.getLogger(),):
        for handler in logger.handlers:
            if not any(isinstance(f, PrintableOnly) for f in handler.filters):
                handler.addFilter(PrintableOnly())
