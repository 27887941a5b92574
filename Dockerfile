# Starmap production image: one image for web (the default command), Celery worker, beat and migrate.
# docker-compose.yml runs it; see docs/architecture.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=marketplace.settings \
    VAR_DIR=/data

WORKDIR /app

# Invoices and statements are PDFs laid out by WeasyPrint, which needs Pango; fonts-noto-cjk (SIL Open Font
# License) sets Chinese text (docs/invoices.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image with production storage (hashed names, compressed).
# The values below exist only for this build step; settings refuse production without them.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost SITE_URL=http://localhost \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user; /data (VAR_DIR: uploads, matcher snapshots, beat schedule) is the
# only writable place and is a volume in docker-compose.yml.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin starmap \
    && mkdir -p /data \
    && chown starmap:starmap /data
USER starmap

EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY for its number of worker processes. No gunicorn access log: Django's
# request_finished line is the access log (JSON, with the request id, secrets in URLs redacted).
CMD ["gunicorn", "marketplace.wsgi:application", "--bind", "0.0.0.0:8000"]
