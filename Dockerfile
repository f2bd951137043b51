# zotmark in a container: the sync daemon, as a non-root user.
#
#   docker build -t zotmark .
#   docker run -d --name zotmark \
#     -e ZOTERO_API_KEY=... \
#     -v "$PWD/config:/config:ro" -v zotmark-state:/state -v "$HOME/notes:/data" \
#     zotmark
#
# /config holds zotmark.toml (list paths in it usually point under /data), /state the sync
# state and lock (the platform default resolves to /state/zotmark), /data the reading lists.
# `--build-arg BASE=<image>` builds on another Python >= 3.11 image (e.g. a local mirror).

ARG BASE=python:3.11-slim

FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/zotmark \
    XDG_STATE_HOME=/state \
    XDG_CACHE_HOME=/state/cache
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /home/zotmark \
        --shell /usr/sbin/nologin zotmark \
    && mkdir -p /config /state /data \
    && chown zotmark:zotmark /state /data
USER 10001:10001
WORKDIR /data
VOLUME ["/config", "/state", "/data"]
# Healthy while `zotmark status` can read the config and the state and reports no stale daemon.
HEALTHCHECK --interval=60s --timeout=15s --start-period=60s --retries=3 \
    CMD ["zotmark", "status", "--config", "/config/zotmark.toml", "--json"]
ENTRYPOINT ["zotmark"]
CMD ["daemon", "--config", "/config/zotmark.toml"]
