"""Every dialogue policy in config.yml has training data of the kind it learns from: a policy that
learns nothing still costs a featurisation of the conversation on every prediction."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# policies that learn only from stories (Rasa 3.6: SupportedData.ML_DATA)
STORY_POLICIES = {"MemoizationPolicy", "AugmentedMemoizationPolicy", "TEDPolicy",
                  "UnexpecTEDIntentPolicy"}


def _training_files_with(key: str) -> list[Path]:
    return [path for path in sorted((REPO_ROOT / "data").rglob("*.yml"))
            if key in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})]


def test_every_policy_has_data_to_learn_from() -> None:
    config = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    policies = {policy["name"] for policy in config["policies"]}
    assert "RulePolicy" in policies and _training_files_with("rules")
    if policies & STORY_POLICIES:
        assert _training_files_with("stories"), (
            f"{sorted(policies & STORY_POLICIES)} learn from stories, and data/ has none")
