# Scoop BYOK production image. By default it runs the web app under
# gunicorn; docker-compose.yml runs the Celery worker and the migrations
# from the same image with other commands.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic imports the settings, which with DEBUG off insist on a
# SECRET_KEY and an encryption keyring. Throwaway values live only for this
# one command; the real ones come from the environment at run time.
RUN DEBUG=0 \
    SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    BYOK_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput --verbosity 0

# Run as an unprivileged user that owns nothing but the scratch folder.
RUN groupadd --system scoop \
    && useradd --system --gid scoop --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin scoop \
    && mkdir -p /app/var \
    && chown -R scoop:scoop /app/var
USER scoop

EXPOSE 8000

# The timeout must outlast the slowest synchronous provider call
# (AI_CALL_TIMEOUT_S, 60 s by default; key tests run in the worker with
# KEY_TEST_TIMEOUT_S, 20 s).
CMD ["gunicorn", "scoop_byok.wsgi:application", \
     "--config", "gunicorn.conf.py", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--threads", "4", \
     "--timeout", "90", "--graceful-timeout", "30", \
     "--access-logfile", "-", \
     "--no-control-socket"]
