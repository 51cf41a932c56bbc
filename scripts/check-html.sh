#!/usr/bin/env bash
# Renders a memu HTML report in headless Chromium and checks that its SVG charts are there.
#
#   scripts/check-html.sh PAGE.html [SCREENSHOT.png]
#
# Chromium (Debian: apt-get install chromium) loads the page from disk with networking features
# off and a throwaway profile, --dump-dom prints the DOM it built, and the script counts the
# <svg class="chart"> elements and their bars and lines in it (at least MIN_CHARTS, default 1,
# with at least one bar or line). With a
# second argument it also writes a screenshot, to look at. Exit 0 when the charts are there, 1
# when not, 2 on bad usage or a missing browser. CHROMIUM=/path/to/chromium overrides the binary.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 PAGE.html [SCREENSHOT.png]" >&2
    exit 2
fi
page=$1
shot=${2:-}
min=${MIN_CHARTS:-1}
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [[ -z "$browser" || ! -x "$browser" ]]; then
    echo "check-html: no chromium found (apt-get install chromium, or set CHROMIUM)" >&2
    exit 2
fi
if [[ ! -r "$page" ]]; then
    echo "check-html: $page: cannot read" >&2
    exit 2
fi
url="file://$(realpath "$page")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --user-data-dir="$profile")

dom=$(timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null)
charts=$( (grep -o '<svg class="chart"' <<<"$dom" || true) | wc -l)
bars=$( (grep -o '<rect class="bar"' <<<"$dom" || true) | wc -l)
lines=$( (grep -o '<polyline class="line"' <<<"$dom" || true) | wc -l)
if ! grep -q '</body>' <<<"$dom"; then
    echo "check-html: $page: chromium returned no document" >&2
    exit 1
fi
if (( charts < min || bars + lines == 0 )); then
    echo "check-html: $page: $charts SVG charts with $bars bars and $lines lines in the rendered DOM, want >= $min charts with bars or lines" >&2
    exit 1
fi
if [[ -n "$shot" ]]; then
    timeout 120 "$browser" "${flags[@]}" --window-size=1400,3000 --hide-scrollbars --screenshot="$shot" "$url" \
        >/dev/null 2>&1
    if [[ ! -s "$shot" ]]; then
        echo "check-html: $page: no screenshot written to $shot" >&2
        exit 1
    fi
fi
echo "check-html: $page: $charts SVG charts, $bars bars, $lines lines rendered by $("$browser" --version 2>/dev/null | head -1)"
