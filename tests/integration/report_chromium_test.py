#!/usr/bin/env python3
"""`peregrine report` rendered by a real browser: Debian's headless Chromium loads the page and
must run it without a console error, and the DOM it built must hold every chart.

1. `peregrine import --trace` over mainnet blocks 0-599 (../shared/data) writes a real trace.
2. `peregrine report` draws it; it must say it wrote the page with the charts an import trace has
   (five: no peer delivered a block).
3. `chromium --headless --dump-dom` with the console logged to stderr: the DOM must carry the mark
   the page's one line of script sets (data-rendered = the number of SVG charts it found), that many
   <svg class="chart"> elements and the summary; stderr must hold no console message (a script
   error or a Content Security Policy refusal would log one). A control page that throws first proves
   the scan sees console errors.
4. A screenshot of the page (PNG, written where the last argument says, or into the work dir).

usage: report_chromium_test.py PEREGRINE SHARED_DATA WORK_DIR [SCREENSHOT.png]
"""
import os
import re
import shutil
import subprocess
import sys
import time


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", flush=True)
        sys.exit(1)
    print(f"ok: {message}", flush=True)


def run(args, timeout=120):
    t0 = time.monotonic()
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    print(f"{' '.join(args[:2])} ...: exit {out.returncode} in {time.monotonic() - t0:.1f}s", flush=True)
    if out.returncode != 0:
        print(f"stdout:\n{out.stdout[-2000:]}\nstderr:\n{out.stderr[-4000:]}", flush=True)
    return out


def chromium(work, *args):
    """Headless Chromium with its own profile; the console goes to stderr."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    check(browser is not None, "chromium is installed (contrib/install-deps.sh)")
    profile = os.path.join(work, "chromium-profile")
    return run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", *args], timeout=60)


def console_lines(stderr):
    return [line for line in stderr.splitlines() if "CONSOLE" in line]


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    peregrine, shared, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    screenshot = sys.argv[4] if len(sys.argv) > 4 else os.path.join(work, "report.png")

    trace = os.path.join(work, "import.csv")
    blocks = os.path.join(shared, "chain", "mainnet_blocks_0_599.blk")
    out = run([peregrine, "import", f"--datadir={os.path.join(work, 'datadir')}", f"--trace={trace}", blocks])
    check(out.returncode == 0, "import of mainnet blocks 0-599 with --trace")
    with open(trace) as f:
        rows = sum(1 for _ in f) - 1
    check(rows >= 599, f"the trace has a row per connected block ({rows})")

    out = run([peregrine, "report", trace])
    page = os.path.join(work, "import.html")
    check(out.returncode == 0 and out.stdout == f"wrote {page} ({rows} blocks, 5 charts)\n",
          f"report wrote {page}: {out.stdout.strip()}")

    out = chromium(work, "--dump-dom", f"file://{page}")
    check(out.returncode == 0, "chromium loaded the page")
    dom = out.stdout
    check('data-rendered="5"' in dom, "the page's script ran and found 5 charts")
    check(len(re.findall(r'<svg class="chart"', dom)) == 5, "the DOM holds 5 SVG charts")
    check("IBD bottleneck report" in dom, "the DOM holds the text summary")
    check(console_lines(out.stderr) == [], f"no console message: {console_lines(out.stderr)}")

    control = os.path.join(work, "control.html")
    with open(control, "w") as f:
        f.write("<!DOCTYPE html><html><body><script>throw new Error('control error');</script></body></html>")
    out = chromium(work, "--dump-dom", f"file://{control}")
    check(any("control error" in line for line in console_lines(out.stderr)),
          "the console scan sees a script error (control page)")

    if os.path.exists(screenshot):
        os.remove(screenshot)
    out = chromium(work, f"--screenshot={screenshot}", "--window-size=900,2600", "--hide-scrollbars",
                   f"file://{page}")
    check(out.returncode == 0 and os.path.getsize(screenshot) > 10_000, f"screenshot {screenshot}")
    with open(screenshot, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main())
