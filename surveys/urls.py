from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<slug:slug>/", views.survey_landing, name="landing"),
    path(
        "<slug:slug>/invite/<str:invitation_token>/",
        views.survey_landing,
        name="invite",
    ),
    path("<slug:slug>/resume/<str:token>/", views.survey_resume, name="resume"),
    path("<slug:slug>/p/<str:page_code>/", views.survey_page, name="page"),
    path("<slug:slug>/saved/", views.survey_saved, name="saved"),
    path("<slug:slug>/thanks/", views.survey_thanks, name="thanks"),
    path(
        "<slug:slug>/my-answers.json",
        views.survey_my_answers,
        {"fmt": "json"},
        name="my_answers_json",
    ),
    path(
        "<slug:slug>/my-answers.csv",
        views.survey_my_answers,
        {"fmt": "csv"},
        name="my_answers_csv",
    ),
    path("<slug:slug>/preview/", views.survey_preview, name="preview"),
    path(
        "<slug:slug>/preview/<int:number>/",
        views.survey_preview,
        name="preview_version",
    ),
]
