"""Errors that stop a command outright, as opposed to diagnostics.

A :class:`ClicheError` is for problems with what the user asked for (a path
that does not exist, a config without ``script_location``, a bad range), not
for problems inside the history: those are :class:`~.diagnostics.Diagnostic`
records.  The CLI maps :class:`ConfigError` to exit status 2; Sphinx wraps
both in its own error type.
"""

from __future__ import annotations


class ClicheError(Exception):
    """Base of every error the tool raises on purpose; the message is for users."""


class ConfigError(ClicheError):
    """The configuration or path given cannot be used to find a history."""


class RangeError(ClicheError):
    """A revision or range argument does not resolve in the history."""
