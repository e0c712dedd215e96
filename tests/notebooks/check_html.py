#!/usr/bin/env python3
"""Open HTML exports of executed notebooks in headless Chromium and check every figure shows.

Usage: check_html.py [--screenshot-dir DIR] HTML...

For each HTML file (as `make run` writes them to target/notebooks/):

1. Chromium loads a copy of the page with a small script appended. After the page's
   load event the script waits for every <img>, and for every <image> inside an
   inline <svg>, to load or fail, and writes what it found into the page, which
   `--dump-dom` prints. A figure that failed to decode, or has a width of 0, fails
   the check. So does a page whose number of figures is lower than the number of
   image/png and image/svg+xml outputs in the notebook saved beside it.
2. Chromium takes a screenshot of the whole page (SCREENSHOT_WIDTH pixels wide,
   as tall as the page up to MAX_SCREENSHOT_HEIGHT) into the screenshot folder
   (target/notebooks/screenshots/ by default). A screenshot fails the check when
   its PNG file is smaller than MIN_SCREENSHOT_BYTES or its image data has fewer
   than MIN_DISTINCT_BYTES distinct byte values: a blank page compresses to a few
   kilobytes of nearly uniform data.

Chromium runs with a fresh profile and its host resolver mapped to nothing, so
the page's script tags that point at a CDN (nbconvert adds require.js and
MathJax) fail at once and nothing leaves the machine. Figures are embedded in
the HTML as data: URLs or inline SVG, so they need no network.

Environment:
  CHROMIUM   the Chromium binary (default: chromium, then chromium-browser, on PATH)
"""

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCREENSHOT_DIR = REPO_ROOT / "target" / "notebooks" / "screenshots"

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# --disable-background-networking and the two flags after it stop Chromium's own
# background connections (updates, sync, field trials), which are refused on
# machines without network access. The host resolver rule makes every host name
# unresolvable, so the page's CDN scripts fail at once.
CHROMIUM_FLAGS = [
    "--hide-scrollbars",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
# Virtual time lets Chromium finish loading and decoding before it dumps or
# screenshots the page, without waiting that long in real time.
VIRTUAL_TIME_BUDGET_MS = 10_000
CHROMIUM_TIMEOUT_SECONDS = 120

SCREENSHOT_WIDTH = 1280
MAX_SCREENSHOT_HEIGHT = 16_384
MIN_SCREENSHOT_BYTES = 20_000
MIN_DISTINCT_BYTES = 64

FIGURE_MIME_TYPES = ("image/png", "image/svg+xml")
RESULT_ELEMENT_ID = "figure-check-result"
RESULT_PATTERN = re.compile(rf'<pre id="{RESULT_ELEMENT_ID}">(.*?)</pre>', re.DOTALL)

# Appended to the page before </body>. It reports every figure: <img> elements, and
# <image> elements inside inline SVG (checked by loading their URL in an Image).
PROBE_SCRIPT = """
<script>
window.addEventListener("load", function () {
  function settle(image) {
    if (image.complete) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      image.addEventListener("load", resolve);
      image.addEventListener("error", resolve);
    });
  }
  function describe(url) { return String(url).slice(0, 60); }
  var images = Array.from(document.images);
  var svgImages = Array.from(document.querySelectorAll("svg image")).map(function (element) {
    var probe = new Image();
    probe.src = element.getAttribute("href") || element.getAttribute("xlink:href") || "";
    return probe;
  });
  var svgs = Array.from(document.querySelectorAll(".jp-OutputArea-output svg, .output_svg svg"));
  Promise.all(images.concat(svgImages).map(settle)).then(function () {
    var failed = images.concat(svgImages)
      .filter(function (image) { return !(image.naturalWidth > 0); })
      .map(function (image) { return describe(image.src); });
    var emptySvgs = svgs.filter(function (svg) { return svg.getBoundingClientRect().width <= 0; }).length;
    var result = document.createElement("pre");
    result.id = "RESULT_ELEMENT_ID";
    result.textContent = JSON.stringify({
      images: images.length,
      svg_images: svgImages.length,
      svgs: svgs.length,
      empty_svgs: emptySvgs,
      failed: failed,
      height: document.documentElement.scrollHeight
    });
    document.body.appendChild(result);
  });
});
</script>
""".replace("RESULT_ELEMENT_ID", RESULT_ELEMENT_ID)


def find_chromium():
    """Return the Chromium binary from $CHROMIUM or PATH, or None."""
    names = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else CHROMIUM_NAMES
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(chromium, arguments, profile_dir):
    """Run Chromium with the fixed flags and a fresh profile; return stdout, raise on failure."""
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *arguments]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_SECONDS, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"chromium exited with status {completed.returncode}: {completed.stderr.strip()[-2000:]}")
    return completed.stdout


def expected_figures(html_path):
    """Return the number of figure outputs in the notebook beside html_path, or None without one."""
    notebook_path = html_path.with_suffix(".ipynb")
    if not notebook_path.is_file():
        return None
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type in ("execute_result", "display_data")
        and any(mime_type in output.data for mime_type in FIGURE_MIME_TYPES)
    )


def png_image_data(path):
    """Return the decompressed image data (filtered scanlines) of the PNG file at path."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    position = 8
    compressed = bytearray()
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunk_type = data[position + 4 : position + 8]
        if chunk_type == b"IDAT":
            compressed += data[position + 8 : position + 8 + length]
        position += 12 + length
    return zlib.decompress(bytes(compressed))


def screenshot_problems(path):
    """Return the reasons why the screenshot at path looks blank, empty when it does not."""
    if not path.is_file():
        return [f"chromium wrote no screenshot at {path}"]
    problems = []
    size = path.stat().st_size
    if size < MIN_SCREENSHOT_BYTES:
        problems.append(f"screenshot {path} has {size} bytes, expected at least {MIN_SCREENSHOT_BYTES}")
    distinct = len(set(png_image_data(path)))
    if distinct < MIN_DISTINCT_BYTES:
        problems.append(
            f"screenshot {path} has {distinct} distinct byte values in its image data, "
            f"expected at least {MIN_DISTINCT_BYTES}; the page looks blank"
        )
    return problems


def check_page(chromium, html_path, screenshot_dir):
    """Load one HTML export in Chromium; return (summary line, list of problems)."""
    html = html_path.read_text(encoding="utf-8")
    if "</body>" not in html:
        return "", [f"{html_path} has no </body> tag; is it an nbconvert HTML export?"]
    with tempfile.TemporaryDirectory(prefix="check-html-") as work_dir:
        work_dir = Path(work_dir)
        probe_path = work_dir / html_path.name
        probe_path.write_text(html.replace("</body>", PROBE_SCRIPT + "</body>", 1), encoding="utf-8")
        dom = run_chromium(
            chromium,
            [f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}", "--dump-dom", probe_path.as_uri()],
            work_dir / "profile-dom",
        )
        match = RESULT_PATTERN.search(dom)
        if not match:
            return "", [f"{html_path}: the figure check script did not report; the page may not have loaded"]
        result = json.loads(match.group(1))

        screenshot_path = screenshot_dir / html_path.with_suffix(".png").name
        height = max(1, min(int(result["height"]), MAX_SCREENSHOT_HEIGHT))
        run_chromium(
            chromium,
            [
                f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}",
                f"--window-size={SCREENSHOT_WIDTH},{height}",
                f"--screenshot={screenshot_path}",
                html_path.resolve().as_uri(),
            ],
            work_dir / "profile-screenshot",
        )

    problems = []
    for description in result["failed"]:
        problems.append(f"{html_path}: a figure did not load: {description}...")
    if result["empty_svgs"]:
        problems.append(f"{html_path}: {result['empty_svgs']} inline SVG figure(s) have a width of 0")
    shown = result["images"] + result["svgs"]
    expected = expected_figures(html_path)
    if expected is not None and shown < expected:
        problems.append(f"{html_path}: the notebook has {expected} figure outputs, the page shows {shown}")
    problems.extend(screenshot_problems(screenshot_path))
    summary = (
        f"{html_path.name}: {result['images']} <img>, {result['svgs']} inline <svg> "
        f"({result['svg_images']} embedded images), {len(result['failed'])} failed; "
        f"screenshot {screenshot_path} ({SCREENSHOT_WIDTH}x{height})"
    )
    return summary, problems


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Environment:") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pages", nargs="+", type=Path, help="HTML exports to check")
    parser.add_argument(
        "--screenshot-dir",
        type=Path,
        default=DEFAULT_SCREENSHOT_DIR,
        help=f"folder for the screenshots (default {DEFAULT_SCREENSHOT_DIR})",
    )
    arguments = parser.parse_args()

    chromium = find_chromium()
    if chromium is None:
        print("error: chromium not found; run `make chromium` or set CHROMIUM", file=sys.stderr)
        return 2
    missing = [str(path) for path in arguments.pages if not path.is_file()]
    if missing:
        print(f"error: HTML export not found: {', '.join(missing)}; run `make run` first", file=sys.stderr)
        return 2
    arguments.screenshot_dir.mkdir(parents=True, exist_ok=True)

    all_problems = []
    for html_path in arguments.pages:
        try:
            summary, problems = check_page(chromium, html_path, arguments.screenshot_dir)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
            summary, problems = "", [f"{html_path}: {error}"]
        if summary:
            print(summary, flush=True)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr, flush=True)
        all_problems.extend(problems)
    if all_problems:
        print(f"{len(all_problems)} problem(s) found in the HTML exports", file=sys.stderr)
        return 1
    print(f"{len(arguments.pages)} HTML export(s) show all their figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
