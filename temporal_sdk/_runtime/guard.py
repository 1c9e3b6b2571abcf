"""The determinism guard: refuse wall-clock, randomness and IO calls made by workflow code.

Rule: patch once, check cheaply. :func:`install` replaces a fixed set of module attributes
(``time.time``, ``random.randint``, ``uuid.uuid4``, ``builtins.open``, ``socket.socket.__init__``,
...) with thin wrappers, one time per process. Each wrapper first asks whether the thread's running
event loop is a restricted :class:`WorkflowEventLoop`; anywhere else (activities, clients, the
worker, plain programs) that single check fails and the original runs. Only inside a workflow step
does the wrapper look at the call stack: walking outwards from the caller it looks past library
frames (the standard library and installed packages); the first other frame decides. Workflow code
(modules outside those places, and every module that defines a workflow, wherever it is installed)
gets :class:`RestrictedWorkflowAccessError`; the SDK itself and a few exempt standard-library
modules (logging, warnings, traceback formatting) call through, and so do the libraries the SDK
calls on its own behalf (converters, tracing).

Limits, by design: a name bound before :func:`install` ran (``from time import time`` at the top of
a module imported before the SDK) keeps the original function; C types cannot be patched, so
``datetime.datetime.now()`` / ``datetime.date.today()`` are *not* guarded (replacing the
``datetime`` classes in the ``datetime`` module would change ``type()`` and ``isinstance`` answers
process-wide); the guard is a tripwire for common mistakes, not a sandbox.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import gc
import importlib
import io
import os
import random
import site
import sys
import sysconfig
from asyncio.events import _get_running_loop
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import temporal_sdk
from temporal_sdk._core.determinism import NondeterminismError
from temporal_sdk._runtime.loop import WorkflowEventLoop

_CLOCK = "use workflow.now(), workflow.time() or workflow.time_ns() for workflow time"
_SLEEP = "use `await asyncio.sleep(...)` or `await workflow.sleep(...)` (a durable timer)"
_RANDOM = "use workflow.random(), a random.Random seeded deterministically for the run"
_UUID = "use workflow.uuid4(), which is derived from workflow.random()"
_ENTROPY = "use workflow.random() for reproducible randomness, or get secrets from an activity"
_THREAD = "use asyncio tasks (asyncio.create_task) inside workflows; run threads in activities"
_IO = "do IO (files, network, processes) in an activity"

#: ``(module or class path, attribute, alternative)`` for every guarded callable.
_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("time", "time", _CLOCK),
    ("time", "time_ns", _CLOCK),
    ("time", "monotonic", _CLOCK),
    ("time", "monotonic_ns", _CLOCK),
    ("time", "perf_counter", _CLOCK),
    ("time", "perf_counter_ns", _CLOCK),
    ("time", "sleep", _SLEEP),
    ("uuid", "uuid1", _UUID),
    ("uuid", "uuid4", _UUID),
    ("os", "urandom", _ENTROPY),
    ("os", "system", _IO),
    ("secrets", "token_bytes", _ENTROPY),
    ("secrets", "token_hex", _ENTROPY),
    ("secrets", "token_urlsafe", _ENTROPY),
    ("secrets", "choice", _ENTROPY),
    ("secrets", "randbelow", _ENTROPY),
    ("secrets", "randbits", _ENTROPY),
    ("threading.Thread", "start", _THREAD),
    ("socket.socket", "__init__", _IO),
    ("subprocess.Popen", "__init__", _IO),
    ("builtins", "open", _IO),
)


def _no_time_given(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``localtime()``, ``gmtime()``, ``ctime()``: only the no-argument form reads the clock."""
    return (args[0] if args else kwargs.get("secs")) is None


def _no_tuple_given(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``asctime()`` / ``strftime(fmt)``: the clock is read only without a time tuple."""
    return not [a for a in args if not isinstance(a, str)]


def _unseeded(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """``Random.seed(self, a=None)``: seeding from the OS only when no seed is given."""
    return (args[1] if len(args) > 1 else kwargs.get("a")) is None


#: Like ``_TARGETS``, refused only when the predicate says the call reads the clock or the OS.
_CONDITIONAL_TARGETS: tuple[
    tuple[str, str, str, Callable[[tuple[Any, ...], dict[str, Any]], bool]], ...
] = (
    ("time", "localtime", _CLOCK, _no_time_given),
    ("time", "gmtime", _CLOCK, _no_time_given),
    ("time", "ctime", _CLOCK, _no_time_given),
    ("time", "asctime", _CLOCK, _no_tuple_given),
    ("time", "strftime", _CLOCK, _no_tuple_given),
    ("random.Random", "seed", _RANDOM + " (or seed random.Random explicitly)", _unseeded),
)

_SYSTEM_RANDOM = ("random", "getrandbits", "randbytes")

#: Modules (and their submodules) whose calls are never refused, even inside a workflow step.
EXEMPT_MODULES: tuple[str, ...] = (
    "temporal_sdk",
    "logging",
    "warnings",
    "linecache",
    "traceback",
    "tokenize",
)

_installed = False
_original_open = builtins.open
_USER, _LIBRARY, _EXEMPT = 0, 1, 2
_kinds: dict[str, int] = {}
_workflow_modules: set[str] = set()
# Frames from the standard library and installed packages are library code: the walk looks past.
_site_dirs = tuple(
    os.path.join(p, "")
    for p in {
        *getattr(site, "getsitepackages", list)(),
        getattr(site, "getusersitepackages", str)(),
        sysconfig.get_path("purelib"),
        sysconfig.get_path("platlib"),
    }
    if p
)
_stdlib_dirs = tuple(
    {os.path.join(p, "") for p in (sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"))}
)
_sdk_dir = os.path.join(os.path.dirname(temporal_sdk.__file__), "")


class RestrictedWorkflowAccessError(NondeterminismError):
    """Workflow code called something that would make replay diverge (clock, randomness, IO).

    ``qualified_name`` names what was called (``"time.time"``); the message says what to use
    instead. The error fails the workflow task, so the worker retries it after a fix is deployed.
    """

    def __init__(self, qualified_name: str, *, override_message: str | None = None) -> None:
        super().__init__(override_message or self.default_message(qualified_name))
        self.qualified_name = qualified_name

    @staticmethod
    def default_message(qualified_name: str) -> str:
        """The message used when no ``override_message`` is given."""
        return (
            f"Cannot call {qualified_name} from inside a workflow: it is not deterministic. "
            "Wrap the call in workflow.unsafe.sandbox_unrestricted() if it is known to be safe."
        )


def restricted() -> bool:
    """Whether the current thread is running a workflow step with the guard switched on."""
    loop = _get_running_loop()
    return loop.__class__ is WorkflowEventLoop and bool(loop.restricted)


@contextlib.contextmanager
def unrestricted() -> Iterator[None]:
    """Lift the guard of the running workflow for the block (no effect outside workflows)."""
    loop = _get_running_loop()
    if not isinstance(loop, WorkflowEventLoop):
        yield
        return
    previous = loop.restricted
    loop.restricted = False
    try:
        yield
    finally:
        loop.restricted = previous


def install() -> None:
    """Patch the guarded callables, once per process; later calls do nothing."""
    global _installed
    if _installed:
        return
    _installed = True
    for path, attr, hint in _TARGETS:
        owner = _resolve(path)
        if owner is not None and hasattr(owner, attr):
            qualified = f"{path}.{attr}" if attr != "__init__" else path
            _patch(owner, attr, qualified, hint)
    if io.open is _original_open:
        io.open = builtins.open  # keep ``io.open is open`` true, as it is in plain Python
    for path, attr, hint, when in _CONDITIONAL_TARGETS:
        _patch(_resolve(path), attr, f"{path}.{attr}", hint, when)
    for attr in _SYSTEM_RANDOM:
        _patch(random.SystemRandom, attr, f"random.SystemRandom.{attr}", _ENTROPY)
    for name in random.__all__:
        value = getattr(random, name, None)
        # Bound to the hidden global ``random._inst``: Python methods and C ones alike.
        if callable(value) and getattr(value, "__self__", None) is getattr(random, "_inst", 0):
            _patch(random, name, f"random.{name}", _RANDOM)


def _resolve(path: str) -> Any:
    module_name, _, cls_name = path.partition(".")
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError:  # pragma: no cover - platform without the module
        return None
    return getattr(owner, cls_name) if cls_name else owner


def _patch(
    owner: Any,
    attr: str,
    qualified: str,
    hint: str,
    when: Callable[[tuple[Any, ...], dict[str, Any]], bool] | None = None,
) -> None:
    original: Callable[..., Any] = getattr(owner, attr)
    if getattr(original, "__temporal_guarded__", False):
        return
    message = f"{RestrictedWorkflowAccessError.default_message(qualified)} Instead, {hint}."

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        loop = _get_running_loop()
        if (
            loop.__class__ is WorkflowEventLoop
            and loop.restricted
            and (when is None or when(args, kwargs))
            and _called_from_workflow_code(sys._getframe(1))
        ):
            raise RestrictedWorkflowAccessError(qualified, override_message=message)
        return original(*args, **kwargs)

    guarded.__temporal_guarded__ = True  # type: ignore[attr-defined]
    setattr(owner, attr, guarded)


def _called_from_workflow_code(frame: FrameType | None) -> bool:
    """Walk out past standard-library frames; the first other frame decides.

    A garbage-collector callback (``gc.callbacks``) runs on whatever frame triggered the
    collection; it is not workflow code, so reaching one ends the walk.
    """
    gc_callbacks: set[Any] | None = None
    while frame is not None:
        if gc.callbacks:
            if gc_callbacks is None:
                gc_callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
            if frame.f_code in gc_callbacks:
                return False
        kind = _kinds.get(frame.f_code.co_filename)
        if kind is None:
            kind = _classify(frame)
        if kind == _USER:
            return True
        if kind == _EXEMPT:
            return False
        frame = frame.f_back
    return False


def _classify(frame: FrameType) -> int:
    """Sort a frame's file into exempt, library or user code (see the module docstring).

    Modules that define workflows are user code even when installed as packages.
    """
    filename = frame.f_code.co_filename
    module = str(frame.f_globals.get("__name__") or "")
    if filename.startswith(_sdk_dir) or any(
        module == name or module.startswith(name + ".") for name in EXEMPT_MODULES
    ):
        kind = _EXEMPT
    elif module in _workflow_modules:
        kind = _USER
    elif filename.startswith(("<frozen ", *_stdlib_dirs, *_site_dirs)):
        kind = _LIBRARY
    else:
        kind = _USER
    _kinds[filename] = kind
    return kind


def watch_module(name: str) -> None:
    """Treat module ``name`` (one that defines a workflow) as workflow code wherever it lives."""
    if name not in _workflow_modules:
        _workflow_modules.add(name)
        _kinds.clear()
