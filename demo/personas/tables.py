"""The persona model's numbers: weights, affinities and texts (see the package)."""

from surveys.definition import OTHER

LEVEL_WEIGHTS = (20, 32, 27, 14, 7)
TILT = 0.35
RECOGNISED_SHARE = 0.75
SKIP_OPTIONAL = 0.2  # unrecognised optional questions, as in synthetic_answers

# (weight, affinity): affinity > 0 grows with the team level, < 0 shrinks.
EXPERIENCE = {
    "lt1": (10, -1),
    "1to3": (28, -0.5),
    "3to5": (27, 0),
    "5to10": (23, 0.5),
    "gt10": (12, 1),
}
AGE_BY_EXPERIENCE = (  # 18_25 26_30 31_35 36_45 46_55 55_plus
    (45, 30, 13, 9, 2.5, 0.5),
    (30, 37, 18, 11, 3, 1),
    (10, 38, 28, 17, 5, 2),
    (2, 28, 32, 28, 8, 2),
    (0, 5, 22, 45, 20, 8),
)
AGES = ("18_25", "26_30", "31_35", "36_45", "46_55", "55_plus")
ROLE = {
    "mlops_engineer": (10, 1),
    "solution_architect": (5, 0.5),
    "ml_engineer": (15, 0.5),
    "data_scientist": (24, -0.3),
    "data_engineer": (13, 0),
    "software_engineer": (9, 0),
    "devops_engineer": (6, 0.5),
    "researcher": (7, -0.7),
    "manager": (6, 0.2),
    "student": (4, -1.2),
    OTHER: (1, 0),
}
ACADEMIC = ("student", "researcher")
ORG_SIZE = {
    "micro": (8, -1),
    "small": (15, -0.6),
    "medium": (20, -0.2),
    "large": (22, 0.3),
    "very_large": (32, 0.8),
    "not_applicable": (3, -1),
}
ORG_SIZE_ACADEMIC = {
    "micro": (5, 0),
    "small": (8, 0),
    "medium": (12, 0),
    "large": (12, 0),
    "very_large": (18, 0),
    "not_applicable": (45, 0),
}
SECTOR = {
    "technology": (30, 0.2),
    "finance": (17, 0.3),
    "retail": (8, 0),
    "telecom": (6, 0.2),
    "health": (6, -0.2),
    "industry": (6, 0),
    "agribusiness": (5, -0.2),
    "energy": (4, 0),
    "logistics": (3, 0),
    "government": (5, -0.3),
    "education": (5, -0.4),
    "consulting": (4, 0),
    "media": (2, 0),
    OTHER: (1, 0),
}
SECTOR_ACADEMIC = {
    **dict.fromkeys(SECTOR, (2, 0)),
    "education": (50, 0),
    "technology": (20, 0),
}
STATE = {
    "sp": (30, 0), "rj": (9, 0), "mg": (9, 0), "go": (8, 0), "pr": (6, 0),
    "rs": (6, 0), "sc": (5, 0), "df": (5, 0), "pe": (3, 0), "ba": (3, 0),
    "ce": (3, 0), "es": (2, 0), "outside_brazil": (5, 0), "am": (1, 0),
    "pa": (1, 0), "mt": (1, 0), "ms": (1, 0), "pb": (1, 0), "rn": (1, 0),
    "al": (0.5, 0), "se": (0.5, 0), "pi": (0.5, 0), "ma": (0.5, 0),
    "to": (0.5, 0), "ro": (0.5, 0), "ac": (0.3, 0), "ap": (0.3, 0), "rr": (0.3, 0),
}  # fmt: skip
IN_PRODUCTION = {
    "none": (30, -1.4),
    "1_2": (36, -0.3),
    "3_10": (24, 0.6),
    "gt10": (10, 1.4),
}
RETRAINING = {
    "never": (10, -1),
    "ad_hoc": (30, -0.8),
    "yearly": (10, -0.3),
    "quarterly": (20, 0),
    "monthly": (14, 0.4),
    "weekly": (6, 0.7),
    "daily": (3, 0.8),
    "triggered": (7, 1.4),
}
STAGES = {
    "problem_definition": (14, 0),
    "data_collection": (20, -0.2),
    "data_preparation": (23, -0.2),
    "training": (12, -0.2),
    "evaluation": (10, 0),
    "deployment": (9, 0.4),
    "monitoring": (8, 0.6),
    "retraining": (4, 0.6),
}
# (probability at level 2, affinity); clouds multiply some of them.
TOOLS = {
    "dvc": (0.16, 0.3),
    "watson_ml": (0.03, -0.3),
    "cml": (0.04, 0.5),
    "kubeflow": (0.09, 0.8),
    "mlflow": (0.50, 0.3),
    "sagemaker": (0.14, 0.3),
    "comet": (0.04, 0.2),
    "azure_ml": (0.06, 0.3),
    "pachyderm": (0.02, 0.3),
    "jenkins": (0.17, -0.2),
    "github_actions": (0.36, 0.2),
    "aws": (0.38, 0),
    "gcp_vertex": (0.04, 0.3),
    "databricks": (0.16, 0.3),
    "airflow": (0.28, 0.4),
    "wandb": (0.08, 0.3),
    "feast": (0.04, 1),
    "evidently": (0.06, 0.9),
    OTHER: (0.04, 0),
}
TOOLS_BREADTH = (0.6, 0.8, 1.0, 1.15, 1.3)  # teams further along use more tools
CLOUDS = {
    "aws": (50, {"aws": 1.9, "sagemaker": 2.5, "azure_ml": 0.2, "gcp_vertex": 0.2}),
    "azure": (22, {"azure_ml": 5, "aws": 0.3, "sagemaker": 0.15, "gcp_vertex": 0.3}),
    "gcp": (13, {"gcp_vertex": 6, "aws": 0.3, "sagemaker": 0.15, "azure_ml": 0.3}),
    "none": (15, {"aws": 0.1, "sagemaker": 0.05, "azure_ml": 0.1, "gcp_vertex": 0.1,
                  "jenkins": 1.8, "kubeflow": 1.5}),
}  # fmt: skip
DAILY_TOOLS = ("mlflow", "github_actions", "aws", "databricks", "airflow", "sagemaker",
               "azure_ml", "gcp_vertex", "jenkins")  # fmt: skip
FREQUENCY = ("daily", "weekly", "monthly", "rarely")
FREQUENCY_WEIGHTS = {True: (40, 35, 15, 10), False: (20, 35, 25, 20)}
# The paper's tool matrix: data versioning, CI, training, pipeline automation,
# orchestrator, monitoring, open source (2 present, 1 partial, 0 absent).
CRITERIA = ("data_versioning", "continuous_integration", "training",
            "pipeline_automation", "orchestrator", "monitoring", "open_source")  # fmt: skip
TOOL_MATRIX = {
    "dvc": "2112112", "watson_ml": "2222220", "cml": "1212112", "kubeflow": "1122212",
    "mlflow": "2112112", "sagemaker": "1222220", "comet": "2111210",
    "azure_ml": "1222220", "pachyderm": "2111110", "jenkins": "0212212",
    "github_actions": "0212212", "aws": "1222220",
}  # fmt: skip
RATINGS = ("absent", "partial", "present")
SATISFACTION = {
    "mlflow": 3.9, "github_actions": 4.1, "aws": 3.8, "sagemaker": 3.6,
    "azure_ml": 3.5, "dvc": 3.7, "kubeflow": 3.2, "comet": 3.6, "cml": 3.4,
    "jenkins": 3.0, "watson_ml": 2.9, "pachyderm": 3.1,
}  # fmt: skip
CHALLENGES = {  # (probability at level 2, affinity)
    "cicd_models": (0.50, 0.1),
    "skills_scarcity": (0.46, 0),
    "data_quality": (0.42, -0.3),
    "reproducibility": (0.28, -0.6),
    "drift": (0.26, 0.7),
    "cost": (0.26, 0.4),
    "tool_integration": (0.32, 0.2),
    "buy_in": (0.28, -0.5),
    "lgpd": (0.14, 0.2),
    OTHER: (0.03, 0),
}
SEVERE = ("cicd_models", "skills_scarcity")
STEPS = {"step1_scope": 0.6, "step2_pipelines": 1.5, "step3_verification": 2.1,
         "step4_monitoring": 2.5, "step5_maintenance": 2.9}  # fmt: skip
HARDEST_STEP = {
    "step1": (15, -0.3),
    "step2": (30, -0.6),
    "step3": (15, 0),
    "step4": (25, 0.5),
    "step5": (15, 0.8),
}
SPRINT_LENGTH = {
    "1w": (10, 0.3),
    "2w": (42, 0.2),
    "3_4w": (18, 0),
    "gt1m": (8, -0.4),
    "no_sprints": (22, -0.9),
}
AGREEMENT = {1: (3, 0), 2: (7, 0), 3: (15, 0), 4: (42, 0), 5: (33, 0)}
SKILL_BONUS = {
    "data_scientist": {"ml_frameworks": 1, "statistics": 1, "containers": -0.5},
    "researcher": {"statistics": 1, "ml_frameworks": 0.8, "testing": -0.5},
    "ml_engineer": {"ml_frameworks": 0.8, "containers": 0.3, "cloud_ml": 0.3},
    "mlops_engineer": {"containers": 0.8, "orchestration": 0.8, "cicd": 0.8,
                       "cloud_ml": 0.8, "observability": 0.5},
    "devops_engineer": {"containers": 1, "orchestration": 1, "cicd": 1,
                        "observability": 1, "ml_frameworks": -0.7, "statistics": -0.7},
    "data_engineer": {"data_engineering": 1.2, "orchestration": 0.4},
    "software_engineer": {"testing": 1, "git": 0.8, "statistics": -0.3},
    "solution_architect": {"cloud_ml": 0.8, "containers": 0.4},
}  # fmt: skip
HARDEST_SKILL = {
    "orchestration": (18, 0.2), "observability": (16, 0.3), "cicd": (14, 0),
    "cloud_ml": (13, 0), "testing": (10, 0), "data_engineering": (9, 0),
    "containers": (8, 0), "statistics": (5, 0), "ml_frameworks": (4, 0), "git": (3, 0),
}  # fmt: skip
# DORA bands, best first.
OUTCOMES = {
    "deploy_frequency": ("on_demand", "daily_weekly", "weekly_monthly",
                         "monthly_6months", "lt_6months"),
    "lead_time": ("lt_1hour", "1hour_1day", "1day_1week", "1week_1month",
                  "1month_6months", "gt_6months"),
    "change_failure_rate": ("pct_0_15", "pct_16_30", "pct_31_45", "pct_46_60", "pct_gt60"),
    "time_to_restore": ("lt_1hour", "1hour_1day", "1day_1week", "1week_1month",
                        "1month_6months", "gt_6months"),
}  # fmt: skip
DONT_KNOW = "dont_know"
DIMENSION_OFFSET = {"D1": 0, "D2": 0.3, "D3": -0.2, "D4": 0.2, "D5": -0.1,
                    "D6": -0.4, "D7": -0.3, "D8": -0.1}  # fmt: skip
NO_PRODUCTION_DIMENSIONS = ("D5", "D6")
TEXTS = {
    "role": {"en": ["Analytics engineer", "Data analyst", "Consultant"],
             "pt-br": ["Engenheiro(a) de analytics", "Analista de dados", "Consultor(a)"]},
    "sector": {"en": ["Insurance", "Non-profit", "Legal services"],
               "pt-br": ["Seguros", "Terceiro setor", "Serviços jurídicos"]},
    "tools_used": {"en": ["ClearML", "Ray", "Seldon", "BentoML", "Metaflow"],
                   "pt-br": ["ClearML", "Ray", "Seldon", "BentoML", "Metaflow"]},
    "challenges": {"en": ["Slow access to production data", "Unclear ownership"],
                   "pt-br": ["Acesso lento aos dados de produção", "Responsabilidades indefinidas"]},
    "tools_comment": {
        "en": ["Experiment tracking works well; drift detection is weak.",
               "The documentation could be clearer.",
               "Too much glue code between tools.",
               "Managed services are convenient but the bill grows fast."],
        "pt-br": ["O rastreamento de experimentos funciona bem; a detecção de drift é fraca.",
                  "A documentação poderia ser mais clara.",
                  "Muito código de cola entre as ferramentas.",
                  "Os serviços gerenciados são práticos, mas a conta cresce rápido."],
    },
    "challenges_comment": {
        "en": ["Hiring people who know both ML and operations is hard.",
               "We are still convincing management that this pays off."],
        "pt-br": ["É difícil contratar quem entende de ML e de operação.",
                  "Ainda estamos convencendo a gestão de que vale a pena."],
    },
    "maturity_na_reason": {
        "en": ["No model is in production yet.", "We only run proofs of concept."],
        "pt-br": ["Ainda não há modelo em produção.", "Só fazemos provas de conceito."],
    },
}  # fmt: skip
TEXT_RATE = {
    "tools_comment": 0.12,
    "challenges_comment": 0.08,
    "maturity_na_reason": 0.45,
}
