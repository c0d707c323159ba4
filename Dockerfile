# One image for web, worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 app

COPY pyproject.toml constraints.txt README.md ./
COPY config ./config
COPY core ./core
COPY accounts ./accounts
COPY surveys ./surveys
COPY assessments ./assessments
COPY reports ./reports
COPY demo ./demo
RUN pip install --no-cache-dir -c constraints.txt .

COPY . .
# collectstatic needs settings but no secrets of consequence.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
    && chown -R app:app /app
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py", "--bind", "0.0.0.0:8000", "--workers", "4"]
