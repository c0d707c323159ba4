from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import EmailAuthenticationForm
from accounts.selectors import token_list
from accounts.services import token_create, token_revoke


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/account.html", {"tokens": token_list(user=request.user)}
    )


@login_required
@require_POST
def token_new(request: HttpRequest) -> HttpResponse:
    """Issue a token and show its key once: only a hash is kept."""
    _instance, key = token_create(user=request.user)
    return render(
        request,
        "accounts/account.html",
        {"tokens": token_list(user=request.user), "new_token": key},
    )


@login_required
@require_POST
def token_delete(request: HttpRequest, token_key: str) -> HttpResponse:
    if token_revoke(user=request.user, token_key=token_key):
        messages.success(request, _("The token was revoked."))
    else:
        messages.error(request, _("No such token."))
    return redirect("accounts:account")


password_change = auth_views.PasswordChangeView.as_view(
    success_url=reverse_lazy("accounts:password_change_done")
)
password_reset = auth_views.PasswordResetView.as_view(
    success_url=reverse_lazy("accounts:password_reset_done")
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("accounts:password_reset_complete")
)
