# The web, worker and beat image. Build: docker build -t candor .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY candor candor
COPY accounts accounts
COPY signals signals
COPY health health
RUN pip install .

COPY manage.py gunicorn.conf.py ./
COPY templates templates
COPY static static
# collectstatic needs settings to import; the key is a build-time placeholder, never used to serve.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

RUN useradd --create-home candor && chown -R candor /app
USER candor
EXPOSE 8000
CMD ["gunicorn", "candor.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
