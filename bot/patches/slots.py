"""A slot copied as ``copy.copy`` copies it, without going through the pickling protocol.

Rasa copies every slot of the domain each time it makes a tracker (``DialogueStateTracker``'s
``__init__``: each load, ``init_copy``, a form's temporary tracker) and each time it duplicates
one (``bot.patches.copies``): 37 slots, about eight times a message. ``copy.copy`` takes an
object whose class has no ``__copy__`` through ``__reduce_ex__`` and ``copyreg``: 5.8 µs a slot
here, and 6.5 % of a Rasa worker's busy time at 50 senders.

For a class that defines none of the copy hooks (``COPY_HOOKS``), that path makes a new object of
the same class and gives it the same attribute entries: the copy shares the values, as
``copy.copy`` does. ``Slot.__copy__`` (added by ``bot.patches``, which checks at start that
Rasa's slot classes still define no hook) does exactly that: 2 µs a slot. A slot class that
defines a hook (one defined later) is copied the default way.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from rasa.shared.core.slots import Slot

# what would make ``copy.copy`` of an object do more than duplicate its attribute dict (an empty
# ``__slots__``, as ``abc.ABC`` has, does not)
COPY_HOOKS = ("__copy__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__",
              "__slots__")


@cache
def _plain(cls: type) -> bool:
    """Whether ``copy.copy`` of a ``cls`` object does no more than duplicate its attribute dict."""
    return not any(klass.__dict__.get(hook, copy_slot) not in (copy_slot, ())
                   for klass in cls.__mro__[:-1] for hook in COPY_HOOKS)


def copy_slot(slot: Slot) -> Any:
    cls = type(slot)
    if not _plain(cls):
        return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # copy.copy's own path
    duplicate = cls.__new__(cls)
    duplicate.__dict__.update(slot.__dict__)
    return duplicate
