"""A small definition that uses every question type, for tests."""

import copy


def t(en: str) -> dict:
    return {"en": en, "pt-br": f"{en} (pt)"}


def opts(*codes: str) -> list[dict]:
    return [{"code": code, "label": t(code.title())} for code in codes]


SAMPLE = {
    "format": 1,
    "slug": "sample",
    "languages": ["en", "pt-br"],
    "title": t("Sample survey"),
    "description": t("A survey with every question type."),
    "consent": t("I agree to take part."),
    "estimated_minutes": 5,
    "pages": [
        {
            "code": "about",
            "title": t("About you"),
            "questions": [
                {
                    "code": "role",
                    "type": "single_choice",
                    "text": t("Role"),
                    "required": True,
                    "choices": opts("scientist", "engineer"),
                    "allow_other": True,
                },
                {
                    "code": "experience",
                    "type": "single_choice",
                    "text": t("Experience"),
                    "required": True,
                    "choices": opts("lt1", "1to3", "gt3"),
                },
                {
                    "code": "years",
                    "type": "number",
                    "text": t("Years"),
                    "min": 0,
                    "max": 60,
                    "integer": True,
                },
                {
                    "code": "started",
                    "type": "date",
                    "text": t("Started on"),
                    "min": "2000-01-01",
                },
                {"code": "remote", "type": "boolean", "text": t("Remote?")},
            ],
        },
        {
            "code": "tools",
            "title": t("Tools"),
            "questions": [
                {
                    "code": "tools",
                    "type": "multiple_choice",
                    "text": t("Tools"),
                    "required": True,
                    "choices": opts("mlflow", "dvc", "kubeflow"),
                    "allow_other": True,
                    "max_selections": 3,
                },
                {
                    "code": "mlflow_rating",
                    "type": "likert",
                    "text": t("Rate MLflow"),
                    "required": True,
                    "scale": {"min": 1, "max": 5},
                    "condition": {
                        "question": "tools",
                        "op": "contains",
                        "value": "mlflow",
                    },
                },
                {
                    "code": "tool_matrix",
                    "type": "matrix",
                    "text": t("Rate each tool"),
                    "required": True,
                    "rows_from": "tools",
                    "columns": opts("present", "partial", "absent"),
                },
                {
                    "code": "stages",
                    "type": "ranking",
                    "text": t("Top stages"),
                    "required": True,
                    "choices": opts("data", "training", "deployment", "monitoring"),
                    "top_n": 2,
                },
            ],
        },
        {
            "code": "final",
            "title": t("Final words"),
            "condition": {"question": "experience", "op": "not_equals", "value": "lt1"},
            "questions": [
                {
                    "code": "nickname",
                    "type": "text",
                    "text": t("Nickname"),
                    "max_length": 20,
                },
                {"code": "comments", "type": "long_text", "text": t("Comments")},
            ],
        },
    ],
}

COMPLETE_ANSWERS = {
    "role": "engineer",
    "experience": "1to3",
    "years": 4,
    "started": "2021-03-01",
    "remote": True,
    "tools": ["mlflow", "dvc"],
    "mlflow_rating": 4,
    "tool_matrix": {"mlflow": "present", "dvc": "partial"},
    "stages": ["training", "data"],
    "nickname": "ana",
    "comments": "Nothing else.",
}


def sample(**changes) -> dict:
    document = copy.deepcopy(SAMPLE)
    document.update(changes)
    return document
