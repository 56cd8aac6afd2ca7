#!/usr/bin/env bash
# Regenerate docs/web-page.png, the picture of the web page in README.md: start `jixiao serve`
# (release build) on a free loopback port, let headless Chromium choose the folder samples/
# on the page through chromedriver (WebDriver spoken by a few lines of Python's standard
# library), wait for the results, expand one form with findings and take a 1366×900 screenshot.
# Needs: chromium, chromium-driver, fonts-noto-cjk (Debian packages), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cargo build -q --release
"${CARGO_TARGET_DIR:-target}/release/jixiao" serve --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pids+=($!)
for _ in $(seq 100); do
  grep -q '^jixiao serve: ' "$tmp/serve.out" && break
  sleep 0.1
done
url=$(sed -n 's/^jixiao serve: //p' "$tmp/serve.out" | head -n 1)
[ -n "$url" ] || { echo "jixiao serve did not start:" >&2; cat "$tmp/serve.err" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chromedriver --port="$port" >"$tmp/chromedriver.log" 2>&1 &
pids+=($!)

python3 - "http://127.0.0.1:$port" "$url" "$PWD/samples" "$tmp" docs/web-page.png <<'PY'
import base64, json, sys, time, urllib.error, urllib.request

driver, page, samples, tmp, out = sys.argv[1:]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(driver + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.load(r)["value"]
    except urllib.error.HTTPError as e:
        raise SystemExit(f"WebDriver {method} {path}: {e.read().decode()}")

for _ in range(100):  # chromedriver ready?
    try:
        if call("GET", "/status")["ready"]:
            break
    except (OSError, SystemExit):
        pass
    time.sleep(0.1)

session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={tmp}/profile", "--window-size=1366,1100"],
}}}})["sessionId"]
s = f"/session/{session}"
try:
    # The viewport exactly 1366×900, whatever headless Chromium keeps for its window frame.
    call("POST", s + "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
        "width": 1366, "height": 900, "deviceScaleFactor": 1, "mobile": False}})
    call("POST", s + "/url", {"url": page})
    folder = call("POST", s + "/element", {"using": "css selector", "value": "#folder"})
    # chromedriver sends a whole folder to a webkitdirectory input, as a person choosing it.
    call("POST", s + f"/element/{list(folder.values())[0]}/value", {"text": samples})
    script = "return [document.querySelectorAll('#results tr.form-row').length, " \
             "document.getElementById('message').hidden ? '' : document.getElementById('message').textContent]"
    for _ in range(600):
        rows, message = call("POST", s + "/execute/sync", {"script": script, "args": []})
        if rows or message:
            break
        time.sleep(0.1)
    if message or not rows:
        raise SystemExit(f"no results on the page: {message}")
    row = call("POST", s + "/element", {"using": "css selector",
                                        "value": 'tr.form-row[data-path$="total_and_grade.xlsx"]'})
    call("POST", s + f"/element/{list(row.values())[0]}/click", {})
    call("POST", s + "/execute/sync", {"script": "document.activeElement.blur(); window.scrollTo(0, 0);", "args": []})
    time.sleep(0.3)
    png = base64.b64decode(call("GET", s + "/screenshot"))
    with open(out, "wb") as f:
        f.write(png)
finally:
    call("DELETE", s)
PY
echo "wrote docs/web-page.png"
