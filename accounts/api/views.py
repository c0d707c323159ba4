from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import exceptions, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import TokenCreateInput, TokenCreateOutput, UserOutput
from accounts.services import token_create
from core.api.throttling import AuthRateThrottle


class InvalidCredentials(exceptions.AuthenticationFailed):
    default_detail = "Invalid email or password."
    default_code = "invalid_credentials"


class TokenView(APIView):
    """Exchange an email and password for an API token, or revoke the token in use."""

    throttle_classes = [AuthRateThrottle]

    authentication_classes = [TokenAuthentication]

    def perform_authentication(self, request: Request) -> None:
        # POST carries credentials in its body: a stale Authorization header
        # must not stop a client from getting a fresh token.
        if request.method != "POST":
            super().perform_authentication(request)

    def get_permissions(self):
        if getattr(self.request, "method", None) == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"

    @extend_schema(
        request=TokenCreateInput,
        responses={
            201: TokenCreateOutput,
            401: OpenApiResponse(description="Wrong email or password."),
            429: OpenApiResponse(description="Too many attempts; locked for a while."),
        },
        auth=[],
        summary="Create an API token",
    )
    def post(self, request: Request) -> Response:
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes counts failures on the plain Django request.
        user = authenticate(
            request=request._request,
            username=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            return Response(
                status=status.HTTP_429_TOO_MANY_REQUESTS
            )  # replaced by axes
        if user is None:
            raise InvalidCredentials()
        # As a session login does: resets the axes failure count, sets last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        instance, key = token_create(user=user)
        body = TokenCreateOutput({"token": key, "expiry": instance.expiry}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Revoke the token in use")
    def delete(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user."""

    @extend_schema(responses=UserOutput, summary="Who am I")
    def get(self, request: Request) -> Response:
        return Response(UserOutput(request.user).data)
