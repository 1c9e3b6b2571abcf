"""Errors the test runner raises instead of hanging or retrying forever.

Rule: plain exception classes only, importable from every runner module without cycles.
"""

from __future__ import annotations


class WorkflowTaskFailedError(RuntimeError):
    """A workflow task of a run in the test runner failed (a bug or non-determinism).

    A server would retry the task forever; the runner stops and raises this instead.
    """


class WorkflowStuckError(RuntimeError):
    """The runner cannot make progress: no task, activity or timer is due, yet the wait goes on.

    The message holds the ``__stack_trace`` of every open run, showing what each awaits.
    """
