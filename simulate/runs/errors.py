"""The package's errors, by kind: what the user gave, or what failed after computing began.

Every error scalingcheck raises on purpose is a :class:`ScalingcheckError`, of one of two kinds:

* :class:`BadInput` (also a ``ValueError``): something the user gave cannot be used (a parameter
  out of range, a spec that is not a frozen dataclass, an output path that would overwrite the
  store, a malformed baseline). It is raised before anything is computed; the command line
  exits 2.
* :class:`RunFailure` (also a ``RuntimeError``): the work could not be completed once it had
  begun (runs that raised, an unusable store, a claim that could not be judged). Whatever
  finished is stored; the command line exits 3.

:class:`Interrupted` is the ``KeyboardInterrupt`` that scalingcheck's own signal handlers raise
(Ctrl-C, SIGTERM): a user's code that raises ``KeyboardInterrupt`` or ``SystemExit`` inside a
run is a failed run, never an interruption or an exit of the whole process.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["ScalingcheckError", "BadInput", "SpecError", "RunFailure", "Interrupted", "handle_interrupts",
           "raise_interrupted_on", "is_interrupt"]


class ScalingcheckError(Exception):
    """Base of the errors scalingcheck raises on purpose."""


class BadInput(ScalingcheckError, ValueError):
    """Input that cannot be used, found before anything is computed (exit code 2)."""


class SpecError(BadInput):
    """A run spec that cannot be keyed, hashed or sent to a worker (not a frozen dataclass, a list field, ...)."""


class RunFailure(ScalingcheckError, RuntimeError):
    """Work that failed after it began: runs, the store, judging a claim (exit code 3)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, as delivered by :func:`handle_interrupts` (not a ``KeyboardInterrupt`` raised by code)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def raise_interrupted_on(*signums: int) -> None:
    """From now on (in this process's main thread), the signals `signums` raise :class:`Interrupted`
    (a sweep's worker processes: their Ctrl-C is told apart from a run's own ``KeyboardInterrupt``)."""
    for signum in signums:
        signal.signal(signum, _raise_interrupted)


def is_interrupt(exc: BaseException) -> bool:
    """Whether `exc` stops the work as an interrupt would: an :class:`Interrupted`, or a plain
    ``KeyboardInterrupt`` where this process cannot tell one from Ctrl-C (its SIGINT handler is another
    program's). A ``KeyboardInterrupt`` raised by code where it can tell (SIGINT handled by scalingcheck,
    or ignored, as in a background job: then no Ctrl-C can arrive) is not one."""
    if isinstance(exc, Interrupted):
        return True
    if not isinstance(exc, KeyboardInterrupt):
        return False
    try:
        return signal.getsignal(signal.SIGINT) not in (_raise_interrupted, signal.SIG_IGN)
    except ValueError:  # pragma: no cover - not the main interpreter
        return True


@contextmanager
def handle_interrupts(*signums: int) -> Iterator[None]:
    """Within the block, the signals `signums` (default: SIGINT) raise :class:`Interrupted`.

    Only in the main thread, and only for a signal whose handler is Python's default one (or
    already this one), so a caller's own handler is kept. Restores the previous handlers.
    """
    signums = signums or (signal.SIGINT,)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in signums:
        current = signal.getsignal(signum)
        if current in (signal.default_int_handler, signal.SIG_DFL, _raise_interrupted):
            previous[signum] = signal.signal(signum, _raise_interrupted)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
