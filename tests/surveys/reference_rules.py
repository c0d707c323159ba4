"""The reference questionnaire's scoring rules, for the tests of rules and scorer."""

import copy
from pathlib import Path

import yaml

from surveys.scoring_rules import ScoringRules

REFERENCE = (
    Path(__file__).resolve().parents[2] / "surveys/definitions/mlops-practices.yaml"
)
# The reference rules are the questionnaire's own ``scoring`` block.
REFERENCE_RULES = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["scoring"]
# The file keeps level keys as text (JSON has no other keys); the tests edit
# levels by number, and from_dict reads both forms.
REFERENCE_RULES["levels"] = {int(k): v for k, v in REFERENCE_RULES["levels"].items()}
RULES = ScoringRules.from_dict(REFERENCE_RULES)


def question_choices(document: dict) -> dict[str, list[str]]:
    return {
        question["code"]: [choice["code"] for choice in question.get("choices", [])]
        for page in document["pages"]
        for question in page["questions"]
    }


QUESTIONS = question_choices(yaml.safe_load(REFERENCE.read_text(encoding="utf-8")))


def rules_with(change) -> dict:
    """A copy of the reference rules, changed in place by ``change``."""
    data = copy.deepcopy(REFERENCE_RULES)
    change(data)
    return data
