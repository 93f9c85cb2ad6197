# propsvc production image: gunicorn serving propsvc.wsgi on :8000, static files by WhiteNoise.
# The same image runs the Celery worker and beat (see docker-compose.yml). Every setting comes
# from the environment at run time; nothing secret is baked in.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Build-time only: DEBUG off (production settings) and a throwaway key that exists for this
# RUN line alone — it is not an ENV and does not reach the running container.
RUN DEBUG=false SECRET_KEY=build-time-only-not-a-secret \
        python manage.py compilemessages --ignore .venv --verbosity 0 \
    && DEBUG=false SECRET_KEY=build-time-only-not-a-secret \
        python manage.py collectstatic --noinput --verbosity 0

# Run as a non-root user; it owns only var/ (uploads under var/media, Celery state).
RUN useradd --system --create-home --uid 10001 --user-group propsvc \
    && mkdir -p var/media var/celery/queue var/celery/processed \
    && chown -R propsvc:propsvc var

USER propsvc

EXPOSE 8000

CMD ["gunicorn", "propsvc.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
