"""Plausible synthetic respondents of the reference questionnaire ("mlops-practices").

Pure Python, no database access. ``synthetic_answers`` draws every answer
uniformly, which is valid but absurd for a maturity survey (a team with
nothing versioned yet with canary releases, a third of the items N/A). A
persona first draws who is answering, then every answer from that:

- **Team maturity.** A level 0..4 from a skewed distribution (20 %, 32 %,
  27 %, 14 %, 7 %: most teams are ad hoc or repeatable), plus a uniform
  position within the level, gives a continuous maturity ``m`` in [0, 5).
- **Dimensions.** Each scoring dimension gets ``m`` plus a fixed offset (CI and
  training are easier, monitoring and governance harder) plus Gaussian jitter
  (sd 0.55). Item ``k`` of a dimension at level ``d`` is present when
  ``d - k`` (plus item noise, sd 0.35) is at least 0, partial down to -0.9,
  absent below: items below the team's level are present, the one at it
  partial, those above absent, as the ladder of the instrument expects.
- **N/A and don't know.** A team with no model in production marks D5
  (release) and D6 (monitoring) not applicable with probability 0.6 (item by
  item 0.92) and rates them at most level 1; elsewhere N/A is rare
  (1.2 %). Don't know is 1.5 % per item, more for newcomers, students and
  managers, and more on governance (D7).
- **Mild correlations.** Experience, role, organisation size, models in
  production, retraining frequency, tools, challenges, adoption steps, sprint
  length and the DORA outcomes lean with the level: each choice has a weight
  and an affinity, and its weight is multiplied by ``exp(0.35 * affinity *
  (level - 2))``. Age follows experience; skills follow experience and role;
  sector and organisation size differ for students and researchers.
- **Tools.** Each respondent works mainly on one cloud (AWS 50 %, Azure 22 %,
  GCP 13 %, none 15 %), which decides SageMaker, Azure ML and Vertex AI;
  MLflow, AWS and GitHub Actions are common, Pachyderm, Watson and Comet rare.
  Tool assessments follow the paper's tool matrix with disagreement (62 % the
  paper's rating, else a neighbour, 5 % left blank), satisfaction a per-tool
  mean with noise.
- **Free text** is rare and short, in the response's language.

The persona applies to questions it recognises by code and shape (a changed
question falls back to the uniform draw). A definition where under 75 % of
the questions are recognised is not the reference questionnaire: its answers
come from ``synthetic_answers``. Every draw comes from the ``rng`` passed in,
in survey order, iterating only lists and dicts, so a seed gives the same
answers in any process.
"""

from demo.personas.model import PersonaModel, Respondent, answer_model

__all__ = ["PersonaModel", "Respondent", "answer_model"]
