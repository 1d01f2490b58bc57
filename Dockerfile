# One image for web, worker and MLflow. The compose worker sandboxes runs with
# the docker backend; bubblewrap is installed for workers run outside compose.
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 LB_DATA_DIR=/shared
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap util-linux curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/worker.txt
COPY . .
RUN python manage.py collectstatic --noinput -v 0
EXPOSE 8000
# The web tier behind compose's proxy service: HTTP (gunicorn) on 8000, /ws/ (uvicorn) on 8001.
CMD ["sh", "-c", "LB_WEB_HOST=0.0.0.0 LB_WEB_PROXY=none exec scripts/serve.sh"]
