#!/usr/bin/env python3
"""Start evcxr_jupyter with a build folder and a compilation cache that no other kernel uses.

Usage:
  rust_kernel.py EVCXR_JUPYTER ARGUMENT...   start the kernel (Jupyter runs this)
  rust_kernel.py --install KERNEL_JSON       change the kernel spec that `evcxr_jupyter --install`
                                             wrote so that it starts the kernel through this script

Without EVCXR_TMPDIR, evcxr builds each kernel in a new temporary folder and copies
the compiled dependencies into it from ~/.cache/evcxr, so the set-up cell of notebook
04 took 19.6 s at every kernel start. The copies also keep the paths of the folder that
compiled them first. Once that folder is deleted, cargo finds 14 crates out of date in
every build, so evcxr copies them again before every cell: in notebook 04 the later
cells took 1.5 to 1.9 s instead of 1.0 to 1.6 s (docs/measurements.md).

So when EVCXR_TMPDIR is not set (a kernel started from JupyterLab), this script gives
the kernel a build folder that lasts between kernels. The candidates are
$EVCXR_LAB_TMPDIR (default target/evcxr-lab, and a relative path is taken from the
repository), then the same path with "-2" appended, and so on. The kernel gets the first
one that no running kernel has locked, and locks it with a POSIX lock on the file
.kernel-lock in it. The lock ends when
that process exits, even when a process it started lives on, because child processes
do not inherit POSIX locks. The folder's own compilation cache is beside it ("-cache"
appended: XDG_CACHE_HOME, so evcxr uses $XDG_CACHE_HOME/evcxr). A folder without a
cache gets a copy of the largest cache of the build folders of `make run`
(target/evcxr-cache, target/evcxr-2-cache) and of the other lab folders, so the
dependencies are compiled once, not per folder. Each copy takes disk space: 156 MiB
to about 600 MiB, depending on how much evcxr compiled through its cache.

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

import errno
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
# Lab build folders tried before giving up. A 2-core machine cannot run this many kernels at once.
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
    is set to 0. It deletes the least recently used entries when the cache is over its
    size limit, so an entry that disappears during the copy is left out. `target` appears
    only when the copy is complete.
    """
    partial = target.with_name(f"{target.name}.part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        if not (entry / "stderr").is_file():
            continue
        try:
            shutil.copytree(entry, partial / entry.name)
        except (FileNotFoundError, shutil.Error):
            shutil.rmtree(partial / entry.name, ignore_errors=True)
            continue
        hits = partial / entry.name / "hits"
        if not hits.is_file() or not hits.read_text().strip().isdigit():
            hits.write_text("0")
    partial.rename(target)


def lock_folder(folder, wait=False):
    """Take the POSIX lock of a build folder; return the open lock file, or None when another process holds it.

    With `wait`, wait until the other process releases it. The lock belongs to this
    process and ends when it exits, also after an exec.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lock = open(folder / LOCK_FILE_NAME, "a")
    try:
        fcntl.lockf(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        lock.close()
        if error.errno in (errno.EACCES, errno.EAGAIN):
            return None
        raise
    return lock


def hold_lab_folder(base_tmpdir):
    """Lock the first lab build folder that no running kernel has locked, and return (lane, open lock file)."""
    for lane in range(1, MAX_LAB_FOLDERS + 1):
        lock = lock_folder(lane_tmpdir(base_tmpdir, lane))
        if lock is not None:
            return lane, lock
    raise SystemExit(
        f"error: all {MAX_LAB_FOLDERS} evcxr build folders {base_tmpdir}[-N] are in use by running kernels. "
        "Shut down a kernel and start this one again."
    )


def lab_environment(environ):
    """Return the kernel's environment and the open lock file that locks its build folder.

    Returns `environ` with the defaults when it sets EVCXR_TMPDIR, and no lock file.
    """
    environ = {**KERNEL_ENVIRONMENT_DEFAULTS, **environ}
    if environ.get("EVCXR_TMPDIR"):
        return environ, None
    base_tmpdir = REPO_ROOT / (environ.get("EVCXR_LAB_TMPDIR") or LAB_BUILD_FOLDER)
    lane, lock = hold_lab_folder(base_tmpdir)
    cache = evcxr_cache(base_tmpdir, lane)
    if not cache.exists():
        sources = [evcxr_cache(RUN_BUILD_FOLDER, 1), evcxr_cache(RUN_BUILD_FOLDER, 2)]
        sources += [evcxr_cache(base_tmpdir, other) for other in range(1, MAX_LAB_FOLDERS + 1) if other != lane]
        sources = [source for source in sources if source.is_dir()]
        if sources:
            source = max(sources, key=lambda source: len(os.listdir(source)))
            try:
                copy_cache(source, cache)
            except OSError as error:
                # The kernel still works: evcxr compiles what the cache lacks.
                print(
                    f"warning: copying the compilation cache {source} failed: {error}; "
                    "evcxr compiles the missing dependencies instead",
                    file=sys.stderr,
                )
    environ["EVCXR_TMPDIR"] = str(lane_tmpdir(base_tmpdir, lane))
    environ["XDG_CACHE_HOME"] = str(lane_cache_home(base_tmpdir, lane))
    return environ, lock


def install(kernel_json):
    """Make the kernel spec start evcxr_jupyter through this script.

    A spec that already starts the kernel through a rust_kernel.py, this one or one in
    another clone, gets this one in its place. Running it twice changes nothing.
    """
    spec = json.loads(kernel_json.read_text())
    argv = spec.get("argv")
    if not isinstance(argv, list) or not argv:
        raise SystemExit(f"error: {kernel_json} has no argv list; run `evcxr_jupyter --install` to write it again")
    wrapped = [index for index, part in enumerate(argv) if Path(part).name == Path(__file__).name]
    if wrapped:
        argv = argv[wrapped[-1] + 1 :]
    spec["argv"] = [sys.executable, str(Path(__file__).resolve()), *argv]
    kernel_json.write_text(json.dumps(spec, indent=2) + "\n")


def main(arguments):
    if len(arguments) == 2 and arguments[0] == "--install":
        try:
            install(Path(arguments[1]))
        except (OSError, ValueError) as error:
            print(f"error: cannot change the kernel spec {arguments[1]}: {error}", file=sys.stderr)
            return 1
        return 0
    if not arguments or arguments[0].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if not shutil.which(arguments[0]):
        print(f"error: kernel program {arguments[0]} not found; run `make setup` to install it", file=sys.stderr)
        return 1
    try:
        environ, lock = lab_environment(dict(os.environ))
    except OSError as error:
        print(f"error: cannot prepare an evcxr build folder: {error}; check that target/ is writable", file=sys.stderr)
        return 1
    if lock is not None:
        # The POSIX lock stays with this process through the exec while the file stays open.
        os.set_inheritable(lock.fileno(), True)
    os.execvpe(arguments[0], arguments, environ)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
