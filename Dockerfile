# syntax=docker/dockerfile:1
# One image for all three programs. The build stage compiles TypeScript and
# the native SQLite binding; the runtime stage keeps only what running
# needs: compiled JavaScript, the proto contract and production modules.
# It runs as a non-root user and writes nothing outside its volumes, so it
# suits a read-only root filesystem:
#   docker run --read-only \
#     --tmpfs /run/algorithm-secrets:size=2m,mode=0750,uid=1000,gid=1000 \
#     IMAGE secrets-agent --health-addr 0.0.0.0:8099 ...

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles its binding with node-gyp when no prebuilt fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY proto ./proto
COPY src ./src
COPY bench ./bench
# npm ci runs the package's `prepare` script, which compiles TypeScript.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev \
 && chmod 0755 dist/src/bin/*.js \
 && mkdir -p bin \
 && for program in secrets-server secrets-agent secretsctl; do \
      ln -s ../dist/src/bin/${program}.js bin/${program}; \
    done

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PATH=/app/bin:${PATH}
WORKDIR /app
COPY --from=build /app/package.json /app/package.json
COPY --from=build /app/node_modules /app/node_modules
COPY --from=build /app/proto /app/proto
COPY --from=build /app/dist/src /app/dist/src
COPY --from=build /app/bin /app/bin
# The node image's own unprivileged user (uid 1000, gid 1000). The agent's
# env file folder is a tmpfs the platform mounts over the empty folder made
# here; the server's state folder is a volume, and a fresh named volume
# takes its owner from this folder, so the server can write to it.
RUN mkdir -p /var/lib/algorithm-secrets /run/algorithm-secrets \
 && chown node:node /var/lib/algorithm-secrets /run/algorithm-secrets \
 && chmod 0750 /var/lib/algorithm-secrets /run/algorithm-secrets
USER node
VOLUME ["/var/lib/algorithm-secrets"]
EXPOSE 7443 8099
# Core dumps off, soft and hard limit, before any program starts: a crash
# of the server would otherwise write its memory (the KEK, the token
# signing key, decrypted values) to the host's disk, and one of the agent
# or secretsctl the values they hold. The shell sets the limit and
# `exec`s the program, which stays PID 1 and cannot raise the limit
# again; it writes no file, so it works on a read-only root filesystem
# and as the unprivileged user. `docker run IMAGE secrets-agent ...`
# passes the program through it.
#
# Limitation: an orchestrator that replaces the entrypoint (Kubernetes
# `command:`, `docker run --entrypoint`) skips this; such a deployment
# must set the core limit to 0 itself (`ulimit -c 0` before the program,
# or `docker run --ulimit core=0`). And when the host pipes core dumps to
# a handler (`/proc/sys/kernel/core_pattern` starting with `|`), the
# kernel hands the dump over whatever the limit; systemd-coredump and
# apport honour a limit of 0, a custom handler may not.
ENTRYPOINT ["/bin/sh", "-c", "ulimit -c 0 && exec \"$@\"", "--"]
CMD ["secrets-server", "--state-dir", "/var/lib/algorithm-secrets", "--listen", "0.0.0.0:7443"]
