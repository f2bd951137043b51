# zotmark in a container: the sync daemon, run as you, on the lists in one directory.
#
#   docker build -t zotmark .
#   mkdir -p ~/.local/state/zotmark-docker
#   docker run -d --name zotmark --restart unless-stopped --user "$(id -u):$(id -g)" \
#     --env-file ~/.config/zotmark/env \
#     -v "$HOME/notes:/data" -v "$HOME/.local/state/zotmark-docker:/state" \
#     zotmark
#
# /data is the directory of your reading list and of the zotmark.toml that `zotmark init`
# wrote beside it (its relative paths work in and out of the container); /state holds the sync
# state and the lock ([state] dir "" resolves to /state/zotmark). Running as the owner of the
# files (--user) keeps their owner and group and lets the atomic write replace the list; the
# default user (uid/gid 10001) owns no file of yours, and every refusal says what to change.
#
# `--build-arg BASE=<image>` builds on another Debian-based image with Python >= 3.11 and its
# venv module: python:3.x-slim, or Debian's own python3 with python3-venv. zotmark and its
# dependencies go into a virtual environment (/opt/zotmark), never into the base's Python
# (Debian's is externally managed, PEP 668).

ARG BASE=python:3.11-slim

FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python3 -m venv /opt/zotmark \
    && /opt/zotmark/bin/pip install --no-cache-dir --disable-pip-version-check /src

FROM ${BASE}
ENV PATH=/opt/zotmark/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ZOTMARK_CONTAINER=docker \
    HOME=/state \
    XDG_STATE_HOME=/state \
    XDG_CACHE_HOME=/state/cache \
    XDG_CONFIG_HOME=/state/config
COPY --from=build /opt/zotmark /opt/zotmark
RUN groupadd --gid 10001 zotmark \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /state \
        --shell /usr/sbin/nologin zotmark \
    && mkdir -p /state /data \
    && chown 10001:10001 /state /data
USER 10001:10001
WORKDIR /data
VOLUME ["/state", "/data"]
# Healthy while `zotmark status` reads the config and the state and finds the daemon's
# heartbeat fresh and its last runs good.
HEALTHCHECK --interval=60s --timeout=15s --start-period=60s --retries=3 \
    CMD ["zotmark", "status", "--quiet", "--config", "/data/zotmark.toml"]
ENTRYPOINT ["zotmark"]
CMD ["daemon", "--config", "/data/zotmark.toml"]
