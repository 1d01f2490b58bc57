# Two images from one file; scripts/images.sh builds both:
#   --target sandbox → leaders-board-sandbox:latest  what submissions run in: Python and the
#                      ML stack only (no platform code, settings, data or secrets)
#   --target app     → leaders-board:latest          web, worker and MLflow, as an unprivileged user
# BASE_IMAGE: any Debian bookworm image with python3 + venv. The default comes from a
# registry; where none is reachable, scripts/images.sh makes localhost/debian-base with
# mmdebstrap and builds from that.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS python
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The job runner's PATH puts the worker interpreter's folder first: /opt/venv/bin in both images.
RUN python3 -m venv /opt/venv
# Which requirements file to install (the image-content test builds with the lighter web.txt).
ARG REQUIREMENTS=requirements/worker.txt
# Set by scripts/images.sh when the build mounts the host's CA bundle (podman, proxied networks).
ARG PIP_CERT
COPY requirements/ /tmp/requirements/
RUN pip install -r "/tmp/${REQUIREMENTS}" && rm -rf /tmp/requirements

FROM python AS sandbox
# Submissions may import the plain-Python benchmark packages (e.g. the maze env),
# as under bubblewrap; nothing else of the project is in this image.
COPY benchmarks/ /app/benchmarks/
WORKDIR /sandbox/code
USER 65534:65534

FROM python AS app
# bubblewrap + prlimit: the bubblewrap backend; docker.io: the CLI the docker
# backend drives through the host engine's socket; curl: health checks.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap util-linux curl docker.io \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin lb \
    && mkdir -p /shared && chown lb:lb /shared
WORKDIR /app
# .dockerignore keeps .env, .git, .venv, var/ (seed, passwords, databases) out.
COPY . .
# Static files are part of the image (STATIC_ROOT=/app/staticfiles). The data folder
# of this one command is thrown away: nothing of LB_DATA_DIR lands in a layer (and
# importing settings writes nothing: the hidden seed is made at run time by bootstrap).
# Static files do not depend on the benchmarks: register the lightest one.
RUN LB_DATA_DIR=/tmp/build-data LB_BENCHMARKS=benchmarks.maze:benchmarks \
    python manage.py collectstatic --noinput -v 0 && rm -rf /tmp/build-data
ENV LB_DATA_DIR=/shared
USER lb
EXPOSE 8000
# The web tier behind compose's proxy service: HTTP (gunicorn) on 8000, /ws/ (uvicorn) on 8001.
# The client address is the TCP peer unless that peer is in LB_TRUSTED_PROXIES (then the
# X-Forwarded-For hops it vouches for, core/proxy.py); no header is believed from anyone else.
CMD ["sh", "-c", "LB_WEB_HOST=0.0.0.0 LB_WEB_PROXY=none exec scripts/serve.sh"]
