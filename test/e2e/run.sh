#!/usr/bin/env bash
# End-to-end tests of the extension in a real VS Code host: code-server (VS Code 1.139 web) + Debian chromium
# driven by playwright-core, on the demo model. Two parts, each with a fresh profile and workspace:
#   ui    — the packaged .vsix installed into code-server; test/e2e/ui-flow.ts clicks through it (context menu →
#           scan → panel → slider → export → onnxruntime check → themes/screenshots → cancel → ps)
#   suite — the unpacked extension as extensionDevelopmentPath + test/extension/suite (extensionTestsPath) run
#           inside the extension host (commands, export refusal, cancel, crash, engine error, event-loop delay)
# Env: DEMO_DIR (default demo/), PARTS="ui suite" (default both), CS_PREFIX=/tmp/cs, PORT=8080, ARTIFACTS=test-artifacts.
# Needs: test/e2e/setup.sh once (installs chromium, Node 24 and code-server), demo/ files, `npm ci` done.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
CS_PREFIX="${CS_PREFIX:-/tmp/cs}"
PORT="${PORT:-8080}"
PARTS="${PARTS:-ui suite}"
export ARTIFACTS="${ARTIFACTS:-$ROOT/test-artifacts}"
mkdir -p "$ARTIFACTS"
CS_BIN="$CS_PREFIX/node_modules/code-server/out/node/entry.js"
[ -f "$CS_BIN" ] && [ -x "$CS_PREFIX/node24/bin/node" ] && [ -x /usr/bin/chromium ] || bash "$ROOT/test/e2e/setup.sh"
DEMO_DIR="${DEMO_DIR:-$ROOT/demo}"
for f in model.onnx defense.npz clean_test.npz poison_test.npz labels.txt; do
  [ -f "$DEMO_DIR/$f" ] || { echo "$DEMO_DIR/$f missing (generate the demo first)"; exit 1; }
done

ts() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
T0=$(ts)
npm run --silent build
npx esbuild test/extension/suite/index.ts --bundle --platform=node --format=cjs --target=node20 --external:vscode --outfile=out/test/suite.js --log-level=warning
mkdir -p out
VSIX="$ROOT/out/rnp-backdoor-scan.vsix"
# --no-rewrite-relative-links: the README links docs/*.md, and the manifest names no GitHub repository to prefix them with.
npx vsce package --no-dependencies --no-rewrite-relative-links -o "$VSIX" >/dev/null
echo "packaged $VSIX ($(du -k "$VSIX" | cut -f1) KB)"
# The vsix is built with --no-dependencies: everything must be in the bundles it carries.
LISTING="$(unzip -l "$VSIX")"
for f in dist/extension.js dist/worker.js dist/webview.js dist/tfjs-backend-wasm.wasm dist/tfjs-backend-wasm-simd.wasm dist/tfjs-backend-wasm-threaded-simd.wasm dist/tfjs-backend-wasm-threaded-simd.js dist/tfjs-backend-wasm-threaded-simd.worker.js media/report.css package.json; do
  grep -q " extension/$f\$" <<<"$LISTING" || { echo "vsix lacks $f"; exit 1; }
done
T1=$(ts)

CS_PID=""
stop_server() { [ -n "$CS_PID" ] && { kill -TERM -- -"$CS_PID" 2>/dev/null || true; wait "$CS_PID" 2>/dev/null || true; }; CS_PID=""; }
trap stop_server EXIT

# Fresh profile + workspace with the demo files; settings preset the data so no quick pick opens.
prepare() {
  RUN="$(mktemp -d /tmp/rnp-e2e.XXXXXX)"
  mkdir -p "$RUN"/{ws/.vscode,user-data/User,extensions,xdg}
  for f in model.onnx defense.npz clean_test.npz poison_test.npz labels.txt; do cp "$DEMO_DIR/$f" "$RUN/ws/"; done
  echo "not a model" > "$RUN/ws/readme.txt"
  cp test/e2e/workspace-settings.json "$RUN/ws/.vscode/settings.json"
  # E2E_FAST=1 (development only): fewer recovering epochs, for quicker iterations.
  [ "${E2E_FAST:-0}" = 1 ] && node -e 'const f=process.argv[1],s=JSON.parse(require("fs").readFileSync(f));s["rnp.recover.epochs"]=3;require("fs").writeFileSync(f,JSON.stringify(s,null,2))' "$RUN/ws/.vscode/settings.json"
  cat > "$RUN/user-data/User/settings.json" <<'JSON'
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.colorTheme": "Default Dark Modern",
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "workbench.enableExperiments": false,
  "chat.disableAIFeatures": true,
  "files.simpleDialog.enable": true
}
JSON
  printf 'auth: none\ncert: false\n' > "$RUN/config.yaml"
  CS_ENV=(env PATH="$CS_PREFIX/node24/bin:$PATH" XDG_DATA_HOME="$RUN/xdg/data" XDG_CONFIG_HOME="$RUN/xdg/config" XDG_CACHE_HOME="$RUN/xdg/cache" RNP_DIAGNOSTICS_FILE="$RUN/diagnostics.json")
  CS_ARGS=(--config "$RUN/config.yaml" --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions")
}
start_server() {
  setsid "${CS_ENV[@]}" "$CS_PREFIX/node24/bin/node" "$CS_BIN" "${CS_ARGS[@]}" "$@" --bind-addr "127.0.0.1:$PORT" --auth none \
    --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
    --ignore-last-opened "$RUN/ws" > "$RUN/code-server.log" 2>&1 &
  CS_PID=$!
  for _ in $(seq 1 240); do curl -fsS -m 2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0; sleep 0.25; done
  cat "$RUN/code-server.log"; echo "code-server did not start"; exit 1
}

RC=0
for part in $PARTS; do
  prepare
  echo "=== $part (run dir $RUN)"
  TP=$(ts)
  set +e
  if [ "$part" = ui ]; then
    "${CS_ENV[@]}" "$CS_PREFIX/node24/bin/node" "$CS_BIN" "${CS_ARGS[@]}" --install-extension "$VSIX" > "$RUN/install-ext.log" 2>&1 \
      || { cat "$RUN/install-ext.log"; exit 1; }
    start_server
    CS_URL="http://127.0.0.1:$PORT" RUN_DIR="$RUN" node --import tsx test/e2e/ui-flow.ts 2>&1 | tee "$RUN/ui.log"
    PRC=${PIPESTATUS[0]}
  else
    # The web workbench honours ?payload=[[extensionDevelopmentPath|extensionTestsPath, …]] only with the smoke-test driver.
    start_server --vscode-option enable-smoke-test-driver
    CS_URL="http://127.0.0.1:$PORT" RUN_DIR="$RUN" EXT_DIR="$ROOT" TESTS_PATH="$ROOT/out/test/suite.js" node test/e2e/ext-tests.mjs 2>&1 | tee "$RUN/suite.log"
    PRC=${PIPESTATUS[0]}
  fi
  set -e
  stop_server
  # No worker may outlive the server.
  if ps -eo pid,args | grep -F "$RUN/" | grep -F worker.js | grep -v grep; then echo "worker processes left behind"; PRC=1; fi
  echo "=== $part: $([ $PRC -eq 0 ] && echo PASS || echo FAIL) in $(el $TP $(ts)) s"
  [ $PRC -eq 0 ] || { RC=1; tail -40 "$RUN/code-server.log"; }
done
echo "build+package $(el $T0 $T1) s, total $(el $T0 $(ts)) s; artifacts in $ARTIFACTS"
exit $RC
