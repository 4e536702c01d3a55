"""ALLOWED_ORIGINS: one parser for CORS and the Socket.IO origin check."""

from __future__ import annotations

import pytest

from bot.channels.origins import (
    InvalidOrigins,
    allowed_origins,
    demo_origins,
    is_allowed,
    origin_patterns,
    parse_origins,
)


def test_unset_means_the_local_demo_page() -> None:
    assert allowed_origins({}) == demo_origins() == ("http://localhost:5005",
                                                     "http://127.0.0.1:5005")
    assert allowed_origins({"ALLOWED_ORIGINS": "  "}) == demo_origins()


def test_a_list_is_normalised() -> None:
    origins = parse_origins(" https://WWW.Example.org/ ,http://[::1]:8080,https://www.example.org")
    assert origins == ("https://www.example.org", "http://[::1]:8080")
    assert is_allowed("https://www.example.org", origins)
    assert not is_allowed("https://evil.example", origins)
    assert not is_allowed(None, origins)


@pytest.mark.parametrize("value", ["*", "https://*.example.org", "example.org", "ftp://x.org",
                                   "https://x.org/path", "https://x.org?q", "https://u@x.org",
                                   "https://x.org:port", ","])
def test_what_is_not_an_origin_is_refused(value: str) -> None:
    with pytest.raises(InvalidOrigins):
        parse_origins(value)


def test_patterns_match_exactly() -> None:
    (pattern,) = origin_patterns(("http://[::1]:8080",))
    assert pattern.match("http://[::1]:8080")
    assert not pattern.match("http://[::1]:8080.evil.example")
    assert not pattern.match("http://1:8080")
