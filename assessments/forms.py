"""Forms of the assessment pages: the shape of the input, as the API serializers
check it; the services hold every other rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import flowchart
from assessments.models import Membership

NOTE_HELP = _("Optional: why, for the history.")


def _choices(labels: dict) -> list[tuple[str, str]]:
    return list(labels.items())


def note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        help_text=NOTE_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=120)


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MemberInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("We e-mail the link; leave empty to get a link to share."),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class MaturityInviteForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many links"),
        min_value=1,
        max_value=50,
        initial=3,
        help_text=_("One per member who will answer for this sprint."),
    )


class StepForm(forms.Form):
    """A step's fields, all optional here: a draft may be incomplete, and the
    service names what a move still lacks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ScopeForm(StepForm):
    objective = forms.CharField(
        label=_("What will be solved"), widget=forms.Textarea(attrs={"rows": 2})
    )
    approach = forms.CharField(
        label=_("How it will be solved"), widget=forms.Textarea(attrs={"rows": 2})
    )
    delivery = forms.CharField(
        label=_("How it will be delivered"), widget=forms.Textarea(attrs={"rows": 2})
    )
    target_dimensions = forms.MultipleChoiceField(
        label=_("Bottleneck: maturity dimensions"),
        widget=forms.CheckboxSelectMultiple,
    )
    target_stages = forms.MultipleChoiceField(
        label=_("Bottleneck: lifecycle stages"),
        choices=_choices(flowchart.LIFECYCLE_STAGES),
        widget=forms.CheckboxSelectMultiple,
    )
    target_items = forms.MultipleChoiceField(
        label=_("Goals: practices to put in place"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = note_field()

    def __init__(self, *args, dimensions=(), items=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_dimensions"].choices = list(dimensions)
        if items:
            self.fields["target_items"].choices = list(items)
        else:
            del self.fields["target_items"]


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Pipeline name"), max_length=120)
    stage = forms.ChoiceField(
        label=_("Lifecycle stage it automates"),
        choices=_choices(flowchart.LIFECYCLE_STAGES),
    )
    tools = forms.MultipleChoiceField(
        label=_("Tools"), required=False, widget=forms.CheckboxSelectMultiple
    )
    repository_url = forms.URLField(
        label=_("Repository link"), required=False, assume_scheme="https"
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, tools=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tools"].choices = list(tools)


class PipelinesStepForm(StepForm):
    note = note_field()


class VerificationForm(StepForm):
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2})
    )
    metric_name = forms.CharField(label=_("Metric"), max_length=120)
    metric_before = forms.FloatField(label=_("Value before"))
    metric_after = forms.FloatField(label=_("Value after"))
    result = forms.ChoiceField(
        label=_("Result"),
        choices=_choices(flowchart.RESULTS),
        widget=forms.RadioSelect,
    )
    note = note_field()


class MonitoringForm(StepForm):
    monitored = forms.MultipleChoiceField(
        label=_("What is monitored"),
        choices=_choices(flowchart.MONITORED),
        widget=forms.CheckboxSelectMultiple,
    )
    cicd = forms.CharField(
        label=_("CI/CD in place"), widget=forms.Textarea(attrs={"rows": 2})
    )
    note = note_field()


class DecisionForm(StepForm):
    maintenance_reason = forms.ChoiceField(
        label=_("Reason for maintenance"),
        required=False,
        choices=[
            ("", _("(no maintenance needed)")),
            *_choices(flowchart.MAINTENANCE_REASONS),
        ],
        help_text=_("Needed to open the next sprint."),
    )
    note = note_field()


STEP_FORMS = {
    flowchart.SCOPE: ScopeForm,
    flowchart.PIPELINES: PipelinesStepForm,
    flowchart.VERIFICATION: VerificationForm,
    flowchart.MONITORING: MonitoringForm,
    flowchart.DECISION: DecisionForm,
}


class SprintMetricsForm(forms.Form):
    deployments_per_week = forms.FloatField(
        label=_("Deployments per week"), required=False, min_value=0
    )
    lead_time_hours = forms.FloatField(
        label=_("Lead time for changes (hours)"), required=False, min_value=0
    )
    change_failure_rate = forms.FloatField(
        label=_("Change failure rate (0 to 1)"),
        required=False,
        min_value=0,
        max_value=1,
    )
    time_to_restore_hours = forms.FloatField(
        label=_("Time to restore (hours)"), required=False, min_value=0
    )


class CaseStudyForm(forms.Form):
    automated_stages = forms.MultipleChoiceField(
        label=_("Which lifecycle stages are automated"),
        required=False,
        choices=_choices(flowchart.LIFECYCLE_STAGES),
        widget=forms.CheckboxSelectMultiple,
    )
    automation_why = forms.CharField(
        label=_("Why these stages"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tools = forms.MultipleChoiceField(
        label=_("Tools from the catalogue"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    frameworks = forms.CharField(
        label=_("Other tools, frameworks and platforms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    challenges_technical = forms.CharField(
        label=_("Biggest technical challenges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    challenges_organisational = forms.CharField(
        label=_("Biggest organisational challenges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    challenges_cultural = forms.CharField(
        label=_("Biggest cultural challenges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    benefits = forms.CharField(
        label=_("Benefits perceived"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = note_field()

    def __init__(self, *args, tools=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tools"].choices = list(tools)
