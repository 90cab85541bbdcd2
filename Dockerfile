# The web, worker and beat image. Build: docker build -t candor .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Every app is a package of the install: copy the whole tree (.dockerignore keeps out the
# virtualenv, caches and local databases), then install it.
COPY . .
RUN pip install .
# collectstatic needs settings to import; the key is a build-time placeholder, never used to serve.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

RUN useradd --create-home candor && chown -R candor /app
USER candor
EXPOSE 8000
CMD ["gunicorn", "candor.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
