from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_body
from reports.api.serializers import ProfileOutput
from reports.selectors import profile_get
from surveys.api.views import RESUME_HEADER, ResponseAccessMixin
from surveys.models import Response as SurveyResponse


class ResponseProfileView(ResponseAccessMixin, APIView):
    """A submitted response's maturity profile (computed by Celery within seconds)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[RESUME_HEADER],
        responses={
            200: ProfileOutput,
            202: OpenApiResponse(
                description="Submitted; the profile is being computed."
            ),
            409: OpenApiResponse(
                description="The response is a draft (submit it first) or was voided."
            ),
        },
        summary="A response's maturity profile",
    )
    def get(self, request: Request, response_id: str) -> Response:
        response = self.get_response_object(request, response_id)
        if response.status != SurveyResponse.Status.SUBMITTED:
            body = error_body(
                detail="Submit the response to get its profile.", code="response_draft"
            )
            return Response(body, status=status.HTTP_409_CONFLICT)
        if response.is_voided:
            # Voiding removes the profile: "pending" would have the client poll forever.
            body = error_body(
                detail="The response was voided; it has no profile.",
                code="response_voided",
            )
            return Response(body, status=status.HTTP_409_CONFLICT)
        profile = profile_get(response=response)
        if profile is None:
            body = error_body(
                detail="The profile is being computed; retry shortly.",
                code="profile_pending",
            )
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "2"}
            )
        profile.version = response.version
        return Response(ProfileOutput(profile).data)
