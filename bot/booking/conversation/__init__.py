"""The 视频办 booking conversation, on plain data, split by concern:

- ``extract``: which slot the latest message fills (and requests to change an answer);
- ``validate``: is the answer right, and if not, why (``personal``: the name, phone and ID number,
  masked in slots and clear in the ``draft``);
- ``ask``: the next question, with buttons and, before personal data, a privacy notice;
- ``outcome``: what to say once the booking service has answered;
- ``times``, ``words``, ``draft``, ``turn``: what those share.

actions/booking.py wraps these functions in Rasa SDK actions. The booking service is only reached
through ``BookingClient`` (HTTP), so it can be the bureau's own system.
"""

from bot.booking.conversation.ask import ask, ask_lookup
from bot.booking.conversation.draft import Drafts, new_draft_id
from bot.booking.conversation.extract import extract, extract_lookup
from bot.booking.conversation.outcome import look_up, stopped, submit
from bot.booking.conversation.turn import REQUIRED, FormTurn, Step
from bot.booking.conversation.validate import validate_booking, validate_lookup

__all__ = ["REQUIRED", "Drafts", "FormTurn", "Step", "ask", "ask_lookup", "extract",
           "extract_lookup", "look_up", "new_draft_id", "stopped", "submit", "validate_booking",
           "validate_lookup"]
