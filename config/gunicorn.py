"""Gunicorn settings shared by the run command and Docker Compose (``-c``)."""

# Tokens in resume and invitation URLs never reach the access log.
logger_class = "core.logging.GunicornLogger"
accesslog = "-"
