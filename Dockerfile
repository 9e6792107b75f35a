# syntax=docker/dockerfile:1
#
# Followthrough in one image: the API, its migrations and the PWA it serves at /.
#   docker build -t followthrough .
#   docker run -p 8000:8000 -v followthrough-data:/data followthrough     # embedded SQLite in /data
# With PostgreSQL, set FOLLOWTHROUGH_DATABASE_URL (see compose.yaml).

ARG PYTHON_IMAGE=python:3.11-slim
# Node 26 (Lithium) is the Active LTS: supported until 2029-04-30 (tests/test_image.py keeps the dates).
ARG NODE_IMAGE=node:26-slim

# --- PWA: only its built dist/ reaches the runtime image, never node_modules ---------------------------
FROM ${NODE_IMAGE} AS pwa
WORKDIR /src/pwa
COPY pwa/ ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund && npm run build; fi \
    && mkdir -p dist

# --- Python dependencies and the project, into /app/.venv ----------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first, in their own layer, so code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
# The API docs serve three files of swagger-ui-py's static folder (app.py's SwaggerRenderPlugin); the rest,
# Swagger Editor, the ES bundles and the source maps, is 24 of its 25 MB. Keep the three, fail if one is
# missing. (The project's own `uv sync` below does not reinstall an installed dependency.)
ARG SWAGGER_UI_SERVED="swagger-ui-bundle.js swagger-ui.css swagger-ui-standalone-preset.js"
RUN cd /app/.venv/lib/python3*/site-packages/swagger_ui/static \
    && for name in *; do \
         case " ${SWAGGER_UI_SERVED} " in *" ${name} "*) ;; *) rm -rf -- "${name}" ;; esac; \
       done \
    && for name in ${SWAGGER_UI_SERVED}; do test -f "${name}"; done
# Then the project itself. It stays an editable install on purpose: the package finds the migrations
# next to backend/ (/app/migrations), as in a checkout.
COPY backend/ backend/
RUN uv sync --frozen --no-dev

# --- Runtime ----------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 followthrough \
    && useradd --system --uid 10001 --gid followthrough --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin followthrough \
    && mkdir -p /data \
    && chown followthrough:followthrough /data \
    && chmod 0700 /data
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/backend /app/backend
COPY migrations/ /app/migrations/
COPY alembic.ini /app/
COPY --from=pwa /src/pwa/dist /app/pwa/dist

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FOLLOWTHROUGH_DATA_DIR=/data
# The embedded SQLite database and generated keys live here, owner-only (a new named volume copies the
# 0700); mount a volume to keep them.
VOLUME /data
USER followthrough
EXPOSE 8000
# No curl in the slim image: ask Python. urlopen raises (exit 1) on errors and non-2xx answers. Ready means the
# process answers and reaches its database. A worker container checks its heartbeat instead (compose.yaml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4)"]
ENTRYPOINT ["followthrough"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
