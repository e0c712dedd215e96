#!/usr/bin/env python3
"""Execute notebooks headless on the evcxr Rust kernel and check what they show.

Usage: run_notebooks.py [--check] [--keep-going] [--jobs N] [--output-dir DIR] NOTEBOOK...

Each notebook runs in a fresh "rust" kernel with its own folder as the working
directory. Up to --jobs notebooks run at the same time (2 by default). Each
kernel has its own evcxr build folder and its own evcxr compilation cache.
Kernels run at the same time only once every build folder has compiled the
dependencies of the current Cargo.lock, and one at a time before that. A
notebook starts only after the notebooks it reads files from (PREREQUISITES
below) have finished. The executed
notebook and an HTML export of it are written to the output folder
(target/notebooks/ by default), also when a cell fails, so the export shows
where it stopped. The exit status is non-zero when a cell has an
error output, writes to stderr, times out or kills the kernel, and, with
--check, when a notebook does not show what CONTENT_CHECKS below expects.

evcxr 0.22 reports a compile error as an "error" output, but a panic and an
error returned with `?` only as text on stderr, with the cell's status "ok".
So any stderr output fails a cell. A cell tagged "allow-stderr" may write to
stderr, unless the text mentions an error or a panic.

Environment:
  NOTEBOOK_CELL_TIMEOUT  seconds one cell may run (default 1800). The first :dep
                         cell compiles dfdx, polars and plotters. With an empty
                         build folder and evcxr cache, that took 249 s on an
                         idle 2-core machine and 583 s beside another build.
                         With a filled build folder it takes about 8 s.
  EVCXR_TMPDIR           evcxr's build folder (default target/evcxr/; a relative
                         path is taken from the current folder). The
                         second kernel running at the same time uses the same
                         path with "-2" appended, and so on. Reusing the
                         folders lets later notebooks and later runs skip
                         compiling the dependencies again. A run locks its
                         folders, so a second run at the same time waits.

Each build folder has its own evcxr compilation cache beside it, in the folder's
path with "-cache" appended: the runner sets XDG_CACHE_HOME for the kernel, and
evcxr keeps its cache in $XDG_CACHE_HOME/evcxr. The runner also sets
MIMALLOC_ALLOW_THP=0 unless it is set (scripts/rust_kernel.py says why). Own caches
for two reasons:
  - evcxr 0.22 updates a cache entry's "hits" file without a lock, so two kernels
    that copy the same dependency from one cache at the same time can fail with
    "Failed to wrap rustc: cannot parse integer from empty string".
  - A cache entry made in another folder (by JupyterLab's temporary folders, or
    another clone) carries that folder's paths in its dependency files. Once that
    folder is gone, cargo finds the dependency out of date in every build, and
    evcxr copies it from the cache again before every cell.
A build folder that has neither compiled the dependencies nor a cache starts with
a copy of a built folder's cache, so the dependencies are compiled once, not per
kernel.
"""

import argparse
import asyncio
import hashlib
import os
import queue
import re
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async
from nbconvert import HTMLExporter

# scripts/rust_kernel.py starts every kernel, and names the build folders and caches.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from rust_kernel import (  # noqa: E402 (imported from the folder added above)
    KERNEL_ENVIRONMENT_DEFAULTS,
    copy_cache,
    evcxr_cache,
    lane_cache_home,
    lane_tmpdir,
    lock_folder,
)

TEST_ACCURACY_PATTERN = re.compile(r"test accuracy:\s*([0-9]*\.?[0-9]+)")

# Content checks per notebook file name, applied with --check. Each entry is one
# of:
#   ("text", S)                   S occurs in a text output of some cell
#   ("pattern", REGEX)            REGEX matches a line of a text output
#   ("figures", N)                at least N image/png or image/svg+xml outputs
#   ("stdout_lines", REGEX, N)    at least N stdout lines match REGEX
#   ("number_at_least", REGEX, X) the number captured by REGEX's first group in
#                                 the last matching text output is at least X
CONTENT_CHECKS = {
    "01_eda.ipynb": [
        ("text", "(60000, 28, 28)"),  # shape of the training images
        ("text", "(10000, 28, 28)"),  # shape of the test images
        ("figures", 2),
    ],
    "03_model.ipynb": [
        ("stdout_lines", r"^\s*epoch\s+\d+/10\b", 10),  # one line per epoch
    ],
    "04_evaluate.ipynb": [
        # The TensorFlow tutorial this follows (tensorflow.org/tutorials/keras/classification)
        # reports a test accuracy of about 0.88 after 10 epochs.
        ("number_at_least", TEST_ACCURACY_PATTERN.pattern, 0.87),
    ],
    "05_predict.ipynb": [
        # Test image 6 shows a coat (label 4): the notebook prints its true label and
        # the prediction, which must be Coat too.
        ("pattern", r"^true label: 4 \(Coat\)$"),
        ("pattern", r"^predicted: 4 \(Coat\)$"),
        ("figures", 3),
    ],
}

# Notebooks that must finish before another one starts, when both are executed.
# 03 saves the model that 04 and 05 load, which would otherwise each train it
# again. 02 and 03 may run together: both save the scaled arrays, and the crate
# writes each file under a temporary name first, so the two writes do not mix.
PREREQUISITES = {
    "04_evaluate.ipynb": ("03_model.ipynb",),
    "05_predict.ipynb": ("03_model.ipynb",),
}

KERNEL_NAME = "rust"
# Two kernels keep both cores of a 2-core machine busy. About 12 s of each warm
# notebook is evcxr analysing the dependencies' sources on one core (docs/measurements.md).
DEFAULT_JOBS = 2
DEFAULT_CELL_TIMEOUT_SECONDS = 1800
KERNEL_STARTUP_TIMEOUT_SECONDS = 120
FIGURE_MIME_TYPES = ("image/png", "image/svg+xml")
TEXT_MIME_TYPES = ("text/plain", "text/markdown", "text/html")
ALLOW_STDERR_TAG = "allow-stderr"
STDERR_ERROR_PATTERN = re.compile(r"\berror\b|\bpanicked at\b", re.IGNORECASE)
# evcxr forwards the kernel's stdout and stderr lines from a separate thread, so
# the last lines of a cell can arrive after the kernel reported the cell idle
# (within milliseconds on an idle machine). The runner waits this long after each
# cell, and longer after the last one because no later cell can collect it.
# Output that arrives later for an earlier cell is still added to that cell.
LATE_OUTPUT_SECONDS = 0.1
LAST_CELL_LATE_OUTPUT_SECONDS = 1.0
ANSI_ESCAPE_PATTERN = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT_DIR = REPO_ROOT / "target" / "notebooks"
DEFAULT_EVCXR_TMPDIR = REPO_ROOT / "target" / "evcxr"
# File in a build folder that contains the dependency_key() of its last successful notebook.
BUILT_MARKER = ".run-notebooks-built"


def strip_ansi(text):
    return ANSI_ESCAPE_PATTERN.sub("", text)


def first_line(cell):
    lines = cell.source.strip().splitlines()
    return lines[0] if lines else "(empty cell)"


def describe_cell(notebook_name, index, cell):
    return f"{notebook_name}, cell {index} (counting from 0): {first_line(cell)}"


def output_texts(cell):
    """Yield each text of a code cell's outputs: stream text and text data."""
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            yield output.text
        elif output.output_type in ("execute_result", "display_data"):
            for mime_type in TEXT_MIME_TYPES:
                if mime_type in output.data:
                    yield output.data[mime_type]


def cell_problems(cell):
    """Return the error texts of one executed code cell, empty when it has none."""
    problems = []
    stderr_text = ""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            traceback = "\n".join(strip_ansi(line) for line in output.get("traceback", []))
            problems.append(traceback or f"{output.ename}: {output.evalue}")
        elif output.output_type == "stream" and output.name == "stderr":
            stderr_text += output.text
    stderr_text = strip_ansi(stderr_text).strip()
    if stderr_text:
        allowed = ALLOW_STDERR_TAG in cell.metadata.get("tags", [])
        mentions_error = STDERR_ERROR_PATTERN.search(stderr_text)
        if problems or mentions_error:
            problems.insert(0, "stderr:\n" + stderr_text)
        elif not allowed:
            problems.append(f'stderr (tag the cell "{ALLOW_STDERR_TAG}" if this text is expected):\n{stderr_text}')
    return problems


def find_cell_errors(notebook_name, notebook):
    """Return one report per code cell with an error output or an error on stderr."""
    reports = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        problems = cell_problems(cell)
        if problems:
            body = "\n".join(problems)
            reports.append(f"{describe_cell(notebook_name, index, cell)}\n{indent(body)}")
    return reports


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.splitlines())


def check_text(code_cells, expected):
    if any(expected in text for cell in code_cells for text in output_texts(cell)):
        return None
    return f"no output contains {expected!r}"


def check_pattern(code_cells, pattern):
    regex = re.compile(pattern, re.MULTILINE)
    if any(regex.search(text) for cell in code_cells for text in output_texts(cell)):
        return None
    return f"no output line matches {pattern!r}"


def check_figures(code_cells, minimum):
    count = sum(
        1
        for cell in code_cells
        for output in cell.get("outputs", [])
        if output.output_type in ("execute_result", "display_data")
        and any(mime_type in output.data for mime_type in FIGURE_MIME_TYPES)
    )
    if count >= minimum:
        return None
    return f"expected at least {minimum} figures ({' or '.join(FIGURE_MIME_TYPES)} outputs), found {count}"


def check_stdout_lines(code_cells, pattern, minimum):
    regex = re.compile(pattern)
    count = 0
    for cell in code_cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                count += sum(1 for line in output.text.splitlines() if regex.search(line))
    if count >= minimum:
        return None
    return f"expected at least {minimum} stdout lines matching {pattern!r}, found {count}"


def check_number_at_least(code_cells, pattern, minimum):
    regex = re.compile(pattern)
    found = None
    for cell in code_cells:
        for text in output_texts(cell):
            for match in regex.finditer(text):
                found = float(match.group(1))
    if found is None:
        return f"no output matches {pattern!r}"
    if found < minimum:
        return f"{pattern!r} captured {found}, expected at least {minimum}"
    return None


CHECK_FUNCTIONS = {
    "text": check_text,
    "pattern": check_pattern,
    "figures": check_figures,
    "stdout_lines": check_stdout_lines,
    "number_at_least": check_number_at_least,
}


def run_content_checks(notebook_name, notebook):
    """Return one message per failed entry of CONTENT_CHECKS for this notebook."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    failures = []
    for kind, *arguments in CONTENT_CHECKS.get(notebook_name, []):
        message = CHECK_FUNCTIONS[kind](code_cells, *arguments)
        if message:
            failures.append(f"{notebook_name}: content check {kind}: {message}")
    return failures


def find_test_accuracy(notebook):
    """Return the last "test accuracy: X" value in the notebook's outputs, or None."""
    found = None
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for text in output_texts(cell):
            for match in TEST_ACCURACY_PATTERN.finditer(text):
                found = match.group(1)
    return found


class CellProgress:
    """Nbclient hooks that print one line per executed code cell with its duration."""

    def __init__(self, notebook_name):
        self.notebook_name = notebook_name
        self.index = None
        self.cell = None
        self.started = None

    def on_cell_start(self, cell, cell_index):
        self.index = cell_index
        self.cell = cell
        self.started = time.monotonic()

    def on_cell_executed(self, cell, cell_index, execute_reply):
        seconds = time.monotonic() - self.started
        status = execute_reply["content"]["status"] if execute_reply else "no reply"
        print(
            f"  {self.notebook_name} cell {cell_index:3d}  {seconds:7.1f} s  {status:5s}  {first_line(cell)[:60]}",
            flush=True,
        )


class EvcxrNotebookClient(NotebookClient):
    """A NotebookClient that keeps a cell's output arriving after the cell went idle."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells_by_message_id = {}
        code_indices = [index for index, cell in enumerate(self.nb.cells) if cell.cell_type == "code"]
        self.last_code_index = code_indices[-1] if code_indices else None

    def process_late_message(self, message):
        """Add an output message to the cell it belongs to, and ignore other messages."""
        target = self.cells_by_message_id.get(message["parent_header"].get("msg_id"))
        if target is not None and message["msg_type"] != "status":
            self.process_message(message, *target)

    # NOTE: overrides a private method of nbclient 0.11, the version pinned in
    # environment.yml. Check it when updating nbclient.
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        self.cells_by_message_id[parent_msg_id] = (cell, cell_index)
        while True:
            message = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if message["parent_header"].get("msg_id") != parent_msg_id:
                self.process_late_message(message)
                continue
            try:
                # Raises CellExecutionComplete when the kernel reports the cell idle.
                self.process_message(message, cell, cell_index)
            except CellExecutionComplete:
                break
        wait = LAST_CELL_LATE_OUTPUT_SECONDS if cell_index == self.last_code_index else LATE_OUTPUT_SECONDS
        while True:
            try:
                message = await ensure_async(self.kc.iopub_channel.get_msg(timeout=wait))
            except queue.Empty:
                return
            self.process_late_message(message)


async def execute_notebook(path, cell_timeout, kernel_env):
    """Execute one notebook in place and return it with a list of failure reports."""
    notebook = nbformat.read(path, as_version=4)
    progress = CellProgress(path.stem)
    client = EvcxrNotebookClient(
        notebook,
        kernel_name=KERNEL_NAME,
        timeout=cell_timeout,
        startup_timeout=KERNEL_STARTUP_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=progress.on_cell_start,
        on_cell_executed=progress.on_cell_executed,
    )
    failures = []
    try:
        await client.async_execute(env=kernel_env)
    except CellExecutionError:
        # The error outputs are in the notebook and find_cell_errors reports them.
        pass
    except CellTimeoutError:
        failures.append(
            f"{describe_cell(path.name, progress.index, progress.cell)}\n"
            f"    timed out after {cell_timeout} s; set NOTEBOOK_CELL_TIMEOUT to allow more"
        )
    except DeadKernelError as error:
        where = describe_cell(path.name, progress.index, progress.cell) if progress.cell else path.name
        failures.append(f"{where}\n    the kernel died: {error}")
    except NoSuchKernel:
        failures.append(f"{path.name}: kernel {KERNEL_NAME!r} not found; run `make setup` to register it")
    except RuntimeError as error:
        # Raised by nbclient when the kernel does not start within the startup timeout.
        failures.append(f"{path.name}: the kernel failed to start: {error}")
    failures[:0] = find_cell_errors(path.name, notebook)
    return notebook, failures


def export_notebook(notebook, output_dir, name):
    """Write the executed notebook and its HTML export; return the two paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = output_dir / name
    html_path = notebook_path.with_suffix(".html")
    nbformat.write(notebook, notebook_path)
    html, _ = HTMLExporter(embed_images=True).from_notebook_node(notebook)
    html_path.write_text(html, encoding="utf-8")
    return notebook_path, html_path


def prepare_kernel_environment():
    """Make Jupyter find this environment's kernels first, and return evcxr's base build folder."""
    env_jupyter_dir = str(Path(sys.prefix) / "share" / "jupyter")
    search_path = [env_jupyter_dir] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(search_path))
    return Path(os.environ.get("EVCXR_TMPDIR") or DEFAULT_EVCXR_TMPDIR).absolute()


def hold_build_folders(base_tmpdir, jobs):
    """Lock the build folders of lanes 1 to `jobs` for this run, waiting while another run has one locked.

    Returns the open lock files: the locks end when this process exits. Kernels started
    from JupyterLab use other folders (scripts/rust_kernel.py).
    """
    locks = []
    for lane in range(1, jobs + 1):
        folder = lane_tmpdir(base_tmpdir, lane)
        lock = lock_folder(folder)
        if lock is None:
            print(f"waiting for another run_notebooks.py, which uses the build folder {folder}", flush=True)
            lock = lock_folder(folder, wait=True)
        locks.append(lock)
    return locks


def dependency_key():
    """Return the SHA-256 of Cargo.lock, which names the dependencies a build folder was built with."""
    return hashlib.sha256((REPO_ROOT / "Cargo.lock").read_bytes()).hexdigest()


def kernel_environment(base_tmpdir, lane):
    """Return the environment of a kernel in `lane`: this process's, with the lane's build folder
    and compilation cache, and MIMALLOC_ALLOW_THP=0 unless it is set."""
    tmpdir = lane_tmpdir(base_tmpdir, lane)
    tmpdir.mkdir(parents=True, exist_ok=True)
    cache_home = lane_cache_home(base_tmpdir, lane)
    cache_home.mkdir(parents=True, exist_ok=True)
    return {
        **KERNEL_ENVIRONMENT_DEFAULTS,
        **os.environ,
        "EVCXR_TMPDIR": str(tmpdir),
        "XDG_CACHE_HOME": str(cache_home),
    }


def chain_lengths(names):
    """Return, per notebook name, the length of the longest chain of notebooks waiting on it."""
    lengths = {}

    def length(name):
        if name not in lengths:
            waiting = [other for other in names if name in PREREQUISITES.get(other, ())]
            lengths[name] = 1 + max((length(other) for other in waiting), default=0)
        return lengths[name]

    for name in names:
        length(name)
    return lengths


def parse_cell_timeout():
    """Return NOTEBOOK_CELL_TIMEOUT in seconds, or raise SystemExit when it is not a positive integer."""
    text = os.environ.get("NOTEBOOK_CELL_TIMEOUT", str(DEFAULT_CELL_TIMEOUT_SECONDS))
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise SystemExit(f"error: NOTEBOOK_CELL_TIMEOUT={text!r} is invalid; expected a positive number of seconds")
    return seconds


def parse_arguments():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Environment:") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to execute, in order")
    parser.add_argument("--check", action="store_true", help="also apply CONTENT_CHECKS to the outputs")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="execute the remaining notebooks after one fails (by default they are skipped)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help=f"notebooks to execute at the same time (default {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help=f"folder for the executed notebooks and HTML exports (default {DEFAULT_OUTPUT_DIR})",
    )
    return parser.parse_args()


class Scheduler:
    """Runs notebooks in up to `jobs` kernels at once, in dependency order."""

    def __init__(self, paths, jobs, cell_timeout, arguments, base_tmpdir):
        self.paths = paths
        self.jobs = jobs
        self.cell_timeout = cell_timeout
        self.arguments = arguments
        self.base_tmpdir = base_tmpdir
        self.names = [path.name for path in paths]
        self.results = {}  # notebook name -> (executed notebook, failures)
        self.skipped = {}  # notebook name -> reason
        self.dependency_key = dependency_key()

    def lane_built(self, lane):
        """Return whether the lane's build folder was built with the current Cargo.lock."""
        marker = lane_tmpdir(self.base_tmpdir, lane) / BUILT_MARKER
        return marker.is_file() and marker.read_text() == self.dependency_key

    def choose_lane(self, free_lanes, running):
        """Return the free lane to start the next notebook in, or None to wait for a running one.

        Kernels run at the same time only when every lane's build folder is built. Until
        then notebooks run one at a time, in the unbuilt lanes first: the first one compiles
        the dependencies, and each later one starts from a copy of its compilation cache
        (seed_cache) instead of compiling them again beside it.
        """
        if all(self.lane_built(lane) for lane in range(1, self.jobs + 1)):
            return free_lanes[0]
        if running:
            return None
        return next((lane for lane in free_lanes if not self.lane_built(lane)), free_lanes[0])

    def seed_cache(self, lane):
        """Copy a built lane's compilation cache into `lane` when `lane` is unbuilt and has none.

        Returns the copied folder, or None. choose_lane starts an unbuilt lane only when no
        kernel of this run runs, and other runs wait for this run's build folder locks
        (hold_build_folders), so no kernel writes to either cache during the copy.
        """
        target = evcxr_cache(self.base_tmpdir, lane)
        if self.lane_built(lane) or target.exists():
            return None
        for other in range(1, self.jobs + 1):
            source = evcxr_cache(self.base_tmpdir, other)
            if other != lane and self.lane_built(other) and source.is_dir():
                copy_cache(source, target)
                return source
        return None

    def ready(self, name):
        """Return whether every prerequisite of `name` in this run has finished."""
        return all(p in self.results or p not in self.names for p in PREREQUISITES.get(name, ()))

    def failed_prerequisite(self, name):
        """Return the first prerequisite of `name` that failed, or None."""
        return next((p for p in PREREQUISITES.get(name, ()) if p in self.results and self.results[p][1]), None)

    async def run_one(self, path, lane):
        """Execute, export and check one notebook in `lane`; return the lane."""
        env = kernel_environment(self.base_tmpdir, lane)
        print(f"\n{path.name}: executing (evcxr build folder {env['EVCXR_TMPDIR']})", flush=True)
        started = time.monotonic()
        seeded_from = await asyncio.to_thread(self.seed_cache, lane)
        if seeded_from:
            print(f"{path.name}: copied the compilation cache {seeded_from} into {env['XDG_CACHE_HOME']}", flush=True)
        notebook, failures = await execute_notebook(path.resolve(), self.cell_timeout, env)
        seconds = time.monotonic() - started
        if not failures:
            (lane_tmpdir(self.base_tmpdir, lane) / BUILT_MARKER).write_text(self.dependency_key)
        # The export takes about a second, so it runs beside the other kernels' cells.
        notebook_path, html_path = await asyncio.to_thread(
            export_notebook, notebook, self.arguments.output_dir, path.name
        )
        if self.arguments.check and not failures:
            failures = run_content_checks(path.name, notebook)
        status = "FAILED" if failures else "ok"
        print(f"{path.name}: {status} in {seconds:.1f} s; wrote {notebook_path} and {html_path.name}", flush=True)
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr, flush=True)
        self.results[path.name] = (notebook, failures)
        return lane

    async def run(self):
        """Execute every notebook, or skip it, and record the outcome in results and skipped."""
        lengths = chain_lengths(self.names)
        # Longest chain first, so the notebooks others wait on start early.
        pending = sorted(self.paths, key=lambda path: -lengths[path.name])
        free_lanes = list(range(1, self.jobs + 1))
        running = set()
        stop = False
        while pending or running:
            for path in list(pending):
                if stop or not free_lanes:
                    break
                blocker = self.failed_prerequisite(path.name)
                if blocker:
                    pending.remove(path)
                    self.skipped[path.name] = f"it reads files from {blocker}, which failed"
                    continue
                if not self.ready(path.name):
                    continue
                lane = self.choose_lane(free_lanes, running)
                if lane is None:
                    break
                pending.remove(path)
                free_lanes.remove(lane)
                running.add(asyncio.create_task(self.run_one(path, lane)))
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                running.remove(task)
                free_lanes.append(task.result())
                free_lanes.sort()
            if any(failures for _, failures in self.results.values()) and not self.arguments.keep_going:
                stop = True
        failed = ", ".join(name for name, (_, failures) in self.results.items() if failures)
        for path in pending:
            self.skipped.setdefault(path.name, f"{failed} failed (--keep-going executes the rest)")


def main():
    arguments = parse_arguments()
    cell_timeout = parse_cell_timeout()
    missing = [str(path) for path in arguments.notebooks if not path.is_file()]
    if missing:
        print(f"error: notebook not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    if arguments.jobs < 1:
        print(f"error: --jobs {arguments.jobs} is invalid; expected at least 1", file=sys.stderr)
        return 2

    base_tmpdir = prepare_kernel_environment()
    try:
        kernel_spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        print(f"error: kernel {KERNEL_NAME!r} not found; run `make setup` to register it", file=sys.stderr)
        return 2
    print(f"kernel: {' '.join(kernel_spec.argv)} (kernel spec {kernel_spec.resource_dir})")
    print(f"cell timeout: {cell_timeout} s; notebooks at the same time: {arguments.jobs}")

    build_folder_locks = hold_build_folders(base_tmpdir, arguments.jobs)
    total_started = time.monotonic()
    scheduler = Scheduler(arguments.notebooks, arguments.jobs, cell_timeout, arguments, base_tmpdir)
    asyncio.run(scheduler.run())

    all_failures = []
    test_accuracy = None
    for path in arguments.notebooks:
        if path.name in scheduler.results:
            notebook, failures = scheduler.results[path.name]
            all_failures.extend(failures)
            test_accuracy = find_test_accuracy(notebook) or test_accuracy
        else:
            reason = scheduler.skipped.get(path.name, "not executed")
            print(f"{path.name}: skipped because {reason}", file=sys.stderr)

    print(f"\nexecuted notebooks and HTML exports: {arguments.output_dir.resolve()}")
    print(f"total time: {time.monotonic() - total_started:.1f} s")
    if test_accuracy is not None:
        print(f"test accuracy: {test_accuracy}")
    for lock in build_folder_locks:
        lock.close()
    if all_failures:
        print(f"{len(all_failures)} problem(s) found; see the error lines above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
