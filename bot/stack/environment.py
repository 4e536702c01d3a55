"""The settings every server of a stack runs with, besides this process's own environment: no
telemetry, this run's secrets (from the environment, else made fresh) and the browsers' origins."""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Callable

from bot.channels.origins import ENV as ORIGINS_ENV
from bot.channels.origins import demo_origins

# No telemetry, no downloads: the assistant must run on a closed network.
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def secret_from(name: str) -> Callable[[], str]:
    """A default for a shared secret: the environment's ``name``, else a fresh one for this run."""
    return lambda: os.environ.get(name) or secrets.token_urlsafe(24)


def origins_for(public_url: str) -> str:
    """ALLOWED_ORIGINS for every server: the environment's, else the demo page's origin."""
    port = urllib.parse.urlsplit(public_url).port or 80
    return os.environ.get(ORIGINS_ENV) or ",".join(demo_origins(port))

