"""Masking personal data in text and in log records (bot.privacy)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import pytest

from bot.privacy import install_log_masking, mask_name, mask_numbers, mask_text

MASKED = [
    ("+852 9123 4567", "+852 ****4567"),
    ("我電話係91234567呀", "我電話係****4567呀"),
    ("00853 6612 3456", "00853 ****3456"),
    ("+86 138 1234 5678", "+86 *******5678"),
    ("手機13812345678", "手機*******5678"),
    ("９１２３４５６７", "****4567"),  # full-width digits from a Chinese input method
    ("A123456(3)", "****4563"),
    ("身份證 AB987654（A）", "身份證 *****654A"),
    ("1234567(8)", "****5678"),
    ("H12345678", "*****5678"),
    ("810000199001011230", "**************1230"),
]
KEPT = ["JM-2345-6789", "JM-AB3C-7DEF", "+86 750 12345", "致电12345",
        "2026-12-03T10:00:00+08:00", "post_20220920139761.html", "5b1c2e3a-12345678-4e7f"]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_phones_and_id_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_numbers(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_references_hotlines_times_and_keys_are_kept(text: str) -> None:
    assert mask_numbers(text) == text


def test_known_values_and_names() -> None:
    assert mask_name("陳大文") == "陳**"
    assert mask_name(mask_name("陳大文")) == "陳**"
    assert mask_text("姓名：陳大文，電話：+852 9123 4567",
                     {"陳大文": "陳**"}) == "姓名：陳**，電話：+852 ****4567"


@pytest.fixture
def log_masking() -> Iterator[None]:
    """Masking installed for one test: other tests see this process's logging as it was."""
    factory = logging.getLogRecordFactory()
    install_log_masking()
    yield
    logging.setLogRecordFactory(factory)
    logging.captureWarnings(False)


@pytest.mark.usefixtures("log_masking")
def test_log_records_are_masked_whoever_logs_them(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()  # twice is harmless
    with caplog.at_level(logging.INFO):
        logging.getLogger("sanic.error").info("url %s", "/webhook?token=s3cret&x=1")
        warnings.warn("Failed to parse arguments in line '/inform{\"phone\": \"91234567\"}'",
                      UserWarning, stacklevel=1)
        try:
            raise ValueError("bad id A123456(3)")
        except ValueError:
            logging.getLogger("anything").exception("failed for %s", "+852 9123 4567")
    text = caplog.text
    assert "s3cret" not in text and "A123456" not in text and "9123 4567" not in text
    assert "Failed to parse" in text and "91234567" not in text
    assert "token=***" in text and "+852 ****4567" in text and "****4563" in text
