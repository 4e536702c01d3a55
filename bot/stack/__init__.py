"""The whole assistant on this machine (`python -m bot.stack`, `make run`; tests and benchmarks
use ``Stack`` on free ports): each server a process (``server``), started with this run's
settings (``environment``) and endpoints.yml (``endpoints``) by ``Stack`` (``assistant``), and
the ready message the operator reads (``console``)."""

from bot.stack.assistant import DEFAULT_MODEL, Stack
from bot.stack.console import ready_message, run_until_stopped
from bot.stack.server import Server, StackError

__all__ = ["DEFAULT_MODEL", "Server", "Stack", "StackError", "ready_message", "run_until_stopped"]
