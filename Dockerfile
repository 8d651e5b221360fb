# Production-like image: gunicorn serves the portal; the same image runs the
# Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=q_portal.settings.production

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic needs settings but no real secrets or services.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --no-input \
 && useradd --system --uid 1000 --home-dir /app portal \
 && chown -R portal /app

USER portal
EXPOSE 8000

CMD ["gunicorn", "q_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
