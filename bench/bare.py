"""The benchmark's baseline: a bare Django view that only INSERTs the JSON body."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_bare "
    "(id bigserial PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz DEFAULT now())"
)


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare (body) VALUES (%s) RETURNING id",
            [request.body.decode()],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)
