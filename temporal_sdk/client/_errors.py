"""Errors raised by the client's workflow operations.

Rule: only exception types live here; nothing in this module talks to the server.
"""

from __future__ import annotations

from temporal_sdk.exceptions import TemporalError


class WorkflowFailureError(TemporalError):
    """A workflow ended without a result: it failed, was cancelled, terminated or timed out.

    ``cause`` (also ``__cause__``) holds the reason as a Temporal exception, e.g. an
    :class:`~temporal_sdk.exceptions.ApplicationError` raised by the workflow, or an
    :class:`~temporal_sdk.exceptions.ActivityError` chain.
    """

    def __init__(self, *, cause: BaseException) -> None:
        super().__init__("Workflow execution failed")
        self.__cause__ = cause

    @property
    def cause(self) -> BaseException:
        """The reason the workflow ended without a result."""
        assert self.__cause__ is not None
        return self.__cause__


class WorkflowContinuedAsNewError(TemporalError):
    """The run continued as new and the caller asked not to follow runs."""

    def __init__(self, new_execution_run_id: str) -> None:
        super().__init__("Workflow continued as new")
        self._new_execution_run_id = new_execution_run_id

    @property
    def new_execution_run_id(self) -> str:
        """The run id of the run that continues this one."""
        return self._new_execution_run_id


class RPCTimeoutOrCancelledError(TemporalError):
    """A client call ran out of time or was cancelled before the server answered."""
