#!/usr/bin/env python3
"""Start evcxr_jupyter with a build folder and a compilation cache that no other kernel uses.

Usage:
  rust_kernel.py EVCXR_JUPYTER ARGUMENT...   start the kernel (Jupyter runs this)
  rust_kernel.py --install KERNEL_JSON       make a kernel spec from `evcxr_jupyter --install`
                                             start the kernel through this script

Without EVCXR_TMPDIR, evcxr builds each kernel in a new temporary folder and copies
the compiled dependencies into it from ~/.cache/evcxr, so the set-up cell of notebook
04 took 34 s. The copies also keep the paths of the folder that compiled them first. Once that
folder is deleted, cargo finds 14 crates out of date in every build, so evcxr copies
them again before every cell: in notebook 04 the later cells took 2.6 to 4.3 s instead
of 1.2 to 2.1 s.

So when EVCXR_TMPDIR is not set (a kernel started from JupyterLab), this script gives
the kernel a build folder that lasts between kernels: $EVCXR_LAB_TMPDIR (default
target/evcxr-lab), then the same path with "-2" appended and so on, the first one no
running kernel holds. A kernel holds
its folder through a lock on a file in it until the kernel exits. The folder's own
compilation cache is beside it ("-cache" appended: XDG_CACHE_HOME, so evcxr uses
$XDG_CACHE_HOME/evcxr). A new cache starts as a copy of the largest cache of the
build folders of `make run` (target/evcxr-cache, target/evcxr-2-cache) and of the other
lab folders, so the dependencies are compiled once, not per folder.

NOTE: the copied entries still name the folder that compiled them. Deleting that
folder and keeping one filled from its cache makes cargo copy 14 crates again before
every cell in the kept one, as with ~/.cache/evcxr. Deleting target/ as a whole avoids it.

When EVCXR_TMPDIR is set (tests/notebooks/run_notebooks.py sets it and XDG_CACHE_HOME
for each kernel), the script starts evcxr_jupyter with the environment unchanged.

Either way the kernel gets MIMALLOC_ALLOW_THP=0 unless it is set. evcxr_jupyter
allocates with mimalloc, which requests transparent huge pages from Linux (madvise
MADV_HUGEPAGE) by default. Linux then zeroes a 2 MiB page for each page fault in those
regions: in a perf profile that was 58% of a kernel's CPU time, and a warm notebook 04
took 31 s with huge pages and 20 s without.
"""

import fcntl
import json
import os
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LAB_BUILD_FOLDER = REPO_ROOT / "target" / "evcxr-lab"
# The base build folder of run_notebooks.py. A new lab folder's cache may start as a copy of its caches.
RUN_BUILD_FOLDER = REPO_ROOT / "target" / "evcxr"
LOCK_FILE_NAME = ".kernel-lock"
# Environment variables the kernel gets unless they are set.
KERNEL_ENVIRONMENT_DEFAULTS = {"MIMALLOC_ALLOW_THP": "0"}
# Folders tried before giving up: more kernels than this at once is a mistake.
MAX_LAB_FOLDERS = 32


def lane_tmpdir(base_tmpdir, lane):
    """Return build folder 1, 2, ...: the base folder, then "<base>-2" and so on."""
    return base_tmpdir if lane == 1 else Path(f"{base_tmpdir}-{lane}")


def lane_cache_home(base_tmpdir, lane):
    """Return the XDG_CACHE_HOME of build folder 1, 2, ...: the folder's path with "-cache" appended."""
    return Path(f"{lane_tmpdir(base_tmpdir, lane)}-cache")


def evcxr_cache(base_tmpdir, lane):
    """Return the folder of evcxr's compilation cache for build folder 1, 2, ..."""
    return lane_cache_home(base_tmpdir, lane) / "evcxr"


def copy_cache(source, target):
    """Copy the complete entries of evcxr's compilation cache `source` into a new folder `target`.

    Another kernel may write to `source` during the copy. evcxr writes an entry's "stderr"
    file after its compiled files, so only entries that have "stderr" are copied. It
    rewrites an entry's "hits" counter in place, so a copied counter that is not a number
    is set to 0. `target` appears only when the copy is complete.
    """
    partial = target.with_name(f"{target.name}.part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        if not (entry / "stderr").is_file():
            continue
        shutil.copytree(entry, partial / entry.name)
        hits = partial / entry.name / "hits"
        if not hits.is_file() or not hits.read_text().strip().isdigit():
            hits.write_text("0")
    partial.rename(target)


def hold_lab_folder(base_tmpdir):
    """Lock the first lab build folder that no running kernel holds, and return (lane, open lock file)."""
    for lane in range(1, MAX_LAB_FOLDERS + 1):
        folder = lane_tmpdir(base_tmpdir, lane)
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / LOCK_FILE_NAME, "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return lane, lock
    raise SystemExit(
        f"error: all {MAX_LAB_FOLDERS} evcxr build folders {base_tmpdir}[-N] are in use by running kernels. "
        "Shut down a kernel and start this one again."
    )


def lab_environment(environ):
    """Return the kernel's environment and the open lock file that holds its build folder.

    Returns `environ` with the defaults when it sets EVCXR_TMPDIR, and no lock file.
    """
    environ = {**KERNEL_ENVIRONMENT_DEFAULTS, **environ}
    if environ.get("EVCXR_TMPDIR"):
        return environ, None
    base_tmpdir = Path(environ.get("EVCXR_LAB_TMPDIR") or LAB_BUILD_FOLDER)
    lane, lock = hold_lab_folder(base_tmpdir)
    cache = evcxr_cache(base_tmpdir, lane)
    if not cache.exists():
        sources = [evcxr_cache(RUN_BUILD_FOLDER, 1), evcxr_cache(RUN_BUILD_FOLDER, 2)]
        sources += [evcxr_cache(base_tmpdir, other) for other in range(1, MAX_LAB_FOLDERS + 1) if other != lane]
        sources = [source for source in sources if source.is_dir()]
        if sources:
            copy_cache(max(sources, key=lambda source: len(os.listdir(source))), cache)
    environ["EVCXR_TMPDIR"] = str(lane_tmpdir(base_tmpdir, lane))
    environ["XDG_CACHE_HOME"] = str(lane_cache_home(base_tmpdir, lane))
    return environ, lock


def install(kernel_json):
    """Make the kernel spec start evcxr_jupyter through this script. Running it twice changes nothing."""
    spec = json.loads(kernel_json.read_text())
    script = str(Path(__file__).resolve())
    if script not in spec["argv"]:
        spec["argv"] = [sys.executable, script, *spec["argv"]]
    kernel_json.write_text(json.dumps(spec, indent=2) + "\n")


def main(arguments):
    if len(arguments) == 2 and arguments[0] == "--install":
        install(Path(arguments[1]))
        return 0
    if not arguments or arguments[0].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    environ, lock = lab_environment(dict(os.environ))
    if lock is not None:
        # The kernel process keeps the lock until it exits.
        os.set_inheritable(lock.fileno(), True)
    os.execvpe(arguments[0], arguments, environ)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
