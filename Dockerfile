# syntax=docker/dockerfile:1
# newsbot container image.
#   build stage:   build the newsbot wheel and install it with its dependencies into a virtualenv
#   runtime stage: only that virtualenv on a slim Python, run as an unprivileged user
# tests/test_packaging.py repeats the same steps (wheel → fresh venv → newsbot demo) without Docker.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/newsbot \
    && /opt/newsbot/bin/pip install --no-cache-dir /wheels/newsbot-*.whl

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="newsbot" \
      org.opencontainers.image.description="Telegram bot that turns the news into short posts: headline, source and key points" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 newsbot \
    && useradd --system --no-log-init --uid 10001 --gid newsbot --home-dir /data \
       --shell /usr/sbin/nologin newsbot \
    && mkdir -p /data /etc/newsbot \
    && chown newsbot:newsbot /data
COPY --from=build /opt/newsbot /opt/newsbot
COPY config/newsbot.docker.yaml /etc/newsbot/newsbot.yaml
COPY config/newsbot.example.yaml /etc/newsbot/newsbot.example.yaml
ENV PATH="/opt/newsbot/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSBOT_CONFIG=/etc/newsbot/newsbot.yaml
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
# /livez, /healthz and /metrics (metrics.port in the config).
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["newsbot"]
CMD ["run"]
