"""Tests of the Scheduler, chain_lengths, lane folders and PREREQUISITES in run_notebooks.py.

No kernel starts and no notebook runs. A fake replaces execute_notebook. It records
when each notebook starts and when it finishes, sleeps for a few milliseconds and
returns an empty notebook. A mock replaces export_notebook,
and the evcxr build folders and caches are created in a temporary folder.

Run with: .venv/bin/python -m unittest tests/notebooks/test_run_notebooks.py -v
"""

import asyncio
import contextlib
import io
import subprocess
import sys
import tempfile
import time
import types
import unittest
from pathlib import Path
from unittest import mock

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_notebooks  # noqa: E402 (imported from the folder added above)

REPO = HERE.parents[1]
EDA = "01_eda.ipynb"
PREPROCESSING = "02_preprocessing.ipynb"
MODEL = "03_model.ipynb"
EVALUATE = "04_evaluate.ipynb"
PREDICT = "05_predict.ipynb"
NOTEBOOKS = [EDA, PREPROCESSING, MODEL, EVALUATE, PREDICT]

# Seconds a fake notebook runs unless a test sets another duration.
DEFAULT_SECONDS = 0.02
# Seconds a slow notebook runs: thirty times the default, so the other notebooks finish
# while it runs. Given to 03, it makes 04 and 05 start early unless the scheduler
# applies PREREQUISITES.
SLOW_SECONDS = 0.6
# Upper bound in seconds for one Scheduler.run, so a scheduler that never returns
# fails the test instead of blocking the test run.
RUN_TIMEOUT_SECONDS = 10


class FakeExecution:
    """Replacement for run_notebooks.execute_notebook that records events.

    `events` lists (kind, notebook name) pairs in the order they happened, where kind
    is "start" or "finish". `tmpdirs` and `cache_homes`
    map each started notebook to the EVCXR_TMPDIR and XDG_CACHE_HOME it got, which show
    its lane. `caches_seen` maps it to the cache entries its lane had when it started.
    """

    def __init__(self, seconds=None, failing=()):
        self.seconds = seconds or {}
        self.failing = set(failing)
        self.events = []
        self.tmpdirs = {}
        self.cache_homes = {}
        self.caches_seen = {}
        self.running = 0
        self.max_running = 0

    async def __call__(self, path, cell_timeout, kernel_env):
        name = path.name
        self.events.append(("start", name))
        self.tmpdirs[name] = kernel_env["EVCXR_TMPDIR"]
        self.cache_homes[name] = kernel_env["XDG_CACHE_HOME"]
        cache = Path(kernel_env["XDG_CACHE_HOME"]) / "evcxr"
        self.caches_seen[name] = sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        seconds = self.seconds.get(name, DEFAULT_SECONDS)
        try:
            await asyncio.sleep(seconds)
        finally:
            self.running -= 1
        self.events.append(("finish", name))
        failures = [f"{name}, cell 1 (counting from 0): fake failure"] if name in self.failing else []
        return nbformat.v4.new_notebook(), failures

    def position(self, kind, name):
        """Return the index of an event in `events`, or raise ValueError when it did not happen."""
        return self.events.index((kind, name))

    def started(self, name):
        return ("start", name) in self.events


class SchedulerTestCase(unittest.TestCase):
    def setUp(self):
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.temp = Path(temp.name)
        # Lane 2 uses the sibling folder "<base>-2", so the base is a subfolder of
        # the temporary folder and both lanes stay inside it.
        self.base_tmpdir = self.temp / "evcxr"

    def run_scheduler(self, fake, names=NOTEBOOKS, jobs=2, keep_going=False, built_lanes=(1, 2)):
        """Run a Scheduler over `names` with `fake` as execute_notebook and return it.

        Each lane in `built_lanes` gets the marker of a build with the current Cargo.lock.
        """
        for lane in built_lanes:
            folder = run_notebooks.lane_tmpdir(self.base_tmpdir, lane)
            folder.mkdir(parents=True)
            (folder / run_notebooks.BUILT_MARKER).write_text(run_notebooks.dependency_key())
        paths = [self.temp / "notebooks" / name for name in names]
        arguments = types.SimpleNamespace(output_dir=self.temp / "output", check=False, keep_going=keep_going)
        scheduler = run_notebooks.Scheduler(paths, jobs, 60, arguments, self.base_tmpdir)
        export = mock.Mock(return_value=(self.temp / "output" / "fake.ipynb", self.temp / "output" / "fake.html"))

        with contextlib.ExitStack() as stack:
            stack.enter_context(mock.patch.object(run_notebooks, "execute_notebook", fake))
            stack.enter_context(mock.patch.object(run_notebooks, "export_notebook", export))
            # The scheduler prints progress and failure lines, which would clutter the test output.
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
            asyncio.run(asyncio.wait_for(scheduler.run(), RUN_TIMEOUT_SECONDS))
        return scheduler


class SchedulerOrderTest(SchedulerTestCase):
    def run_five(self, jobs):
        fake = FakeExecution(seconds={MODEL: SLOW_SECONDS})
        scheduler = self.run_scheduler(fake, jobs=jobs)
        return fake, scheduler

    def test_dependents_start_after_model(self):
        fake, _ = self.run_five(jobs=2)
        model_finished = fake.position("finish", MODEL)
        for name in (EVALUATE, PREDICT):
            with self.subTest(name=name):
                self.assertGreater(fake.position("start", name), model_finished)

    def test_two_jobs_run_at_most_two(self):
        fake, _ = self.run_five(jobs=2)
        self.assertLessEqual(fake.max_running, 2)

    def test_two_jobs_use_both_lanes(self):
        fake, _ = self.run_five(jobs=2)
        lane_folders = {str(self.base_tmpdir), f"{self.base_tmpdir}-2"}
        self.assertEqual(set(fake.tmpdirs.values()), lane_folders)

    def test_every_notebook_ends_in_results(self):
        _, scheduler = self.run_five(jobs=2)
        self.assertEqual(sorted(scheduler.results), NOTEBOOKS)
        self.assertEqual(scheduler.skipped, {})

    def test_one_job_runs_one_at_a_time(self):
        fake, scheduler = self.run_five(jobs=1)
        self.assertEqual(fake.max_running, 1)
        self.assertEqual(sorted(scheduler.results), NOTEBOOKS)


class SchedulerFailureTest(SchedulerTestCase):
    def test_failed_model_stops_dependents(self):
        fake = FakeExecution(seconds={MODEL: SLOW_SECONDS}, failing={MODEL})
        scheduler = self.run_scheduler(fake, keep_going=False)
        for name in (EVALUATE, PREDICT):
            with self.subTest(name=name):
                self.assertFalse(fake.started(name))
                self.assertIn(name, scheduler.skipped)

    def test_keep_going_skips_model_dependents(self):
        fake = FakeExecution(seconds={MODEL: SLOW_SECONDS}, failing={MODEL})
        scheduler = self.run_scheduler(fake, keep_going=True)
        for name in (EVALUATE, PREDICT):
            with self.subTest(name=name):
                self.assertFalse(fake.started(name))
                self.assertIn(name, scheduler.skipped)
                self.assertIn(MODEL, scheduler.skipped.get(name, ""))

    def test_keep_going_runs_independent_notebooks(self):
        fake = FakeExecution(failing={MODEL})
        scheduler = self.run_scheduler(fake, keep_going=True)
        for name in (EDA, PREPROCESSING):
            with self.subTest(name=name):
                self.assertIn(name, scheduler.results)

    def test_failure_skips_later_notebooks(self):
        # With one job, 03 runs first (longest chain) and 01 second, so 02, 04 and 05
        # are still pending when 01 fails.
        fake = FakeExecution(failing={EDA})
        scheduler = self.run_scheduler(fake, jobs=1, keep_going=False)
        for name in (PREPROCESSING, EVALUATE, PREDICT):
            with self.subTest(name=name):
                self.assertFalse(fake.started(name))
                self.assertEqual(scheduler.skipped.get(name), f"{EDA} failed (--keep-going executes the rest)")


class SchedulerBuildFolderTest(SchedulerTestCase):
    def run_two(self, built_lanes):
        fake = FakeExecution(seconds={EDA: SLOW_SECONDS})
        scheduler = self.run_scheduler(fake, names=[EDA, PREPROCESSING], built_lanes=built_lanes)
        return fake, scheduler

    def test_unbuilt_lane_is_used_first(self):
        fake, _ = self.run_two(built_lanes=(1,))
        self.assertEqual(fake.tmpdirs[EDA], f"{self.base_tmpdir}-2")

    def test_unbuilt_lane_runs_alone(self):
        fake, _ = self.run_two(built_lanes=(1,))
        self.assertGreater(fake.position("start", PREPROCESSING), fake.position("finish", EDA))

    def test_success_marks_lane_built(self):
        _, scheduler = self.run_two(built_lanes=(1,))
        self.assertTrue(scheduler.lane_built(2))

    def test_failure_leaves_lane_unbuilt(self):
        fake = FakeExecution(failing={EDA})
        scheduler = self.run_scheduler(fake, names=[EDA], built_lanes=(1,))
        self.assertEqual(fake.tmpdirs[EDA], f"{self.base_tmpdir}-2")
        self.assertFalse(scheduler.lane_built(2))

    def test_other_lock_file_is_unbuilt(self):
        folder = run_notebooks.lane_tmpdir(self.base_tmpdir, 2)
        folder.mkdir(parents=True)
        (folder / run_notebooks.BUILT_MARKER).write_text("sha256 of another Cargo.lock")
        fake, _ = self.run_two(built_lanes=(1,))
        self.assertGreater(fake.position("start", PREPROCESSING), fake.position("finish", EDA))

    def test_built_lanes_run_together(self):
        fake, _ = self.run_two(built_lanes=(1, 2))
        self.assertEqual(fake.tmpdirs[PREPROCESSING], f"{self.base_tmpdir}-2")
        self.assertLess(fake.position("start", PREPROCESSING), fake.position("finish", EDA))


class CompilationCacheTest(SchedulerTestCase):
    """Each lane has its own evcxr cache. An unbuilt lane starts with a copy of a built lane's cache."""

    def fill_cache(self, lane, entries):
        """Create complete cache entries (folders with "hits" and "stderr" files) in `lane`'s evcxr cache."""
        cache = run_notebooks.evcxr_cache(self.base_tmpdir, lane)
        for entry in entries:
            (cache / entry).mkdir(parents=True)
            (cache / entry / "hits").write_text("3")
            (cache / entry / "stderr").write_text("")
        return cache

    def test_lanes_get_their_own_cache(self):
        fake = FakeExecution(seconds={EDA: SLOW_SECONDS})
        self.run_scheduler(fake, names=[EDA, PREPROCESSING])
        self.assertEqual(fake.cache_homes[EDA], f"{self.base_tmpdir}-cache")
        self.assertEqual(fake.cache_homes[PREPROCESSING], f"{self.base_tmpdir}-2-cache")

    def test_unbuilt_lane_copies_built_cache(self):
        source = self.fill_cache(1, ["1234", "5678"])
        fake = FakeExecution()
        self.run_scheduler(fake, names=[EDA], built_lanes=(1,))
        self.assertEqual(fake.tmpdirs[EDA], f"{self.base_tmpdir}-2")
        self.assertEqual(fake.caches_seen[EDA], ["1234", "5678"])
        copied = run_notebooks.evcxr_cache(self.base_tmpdir, 2) / "1234" / "hits"
        self.assertEqual(copied.read_text(), "3")
        # The source stays as it was.
        self.assertEqual(sorted(p.name for p in source.iterdir()), ["1234", "5678"])

    def test_built_lane_keeps_its_cache(self):
        self.fill_cache(1, ["1234"])
        self.fill_cache(2, ["9999"])
        fake = FakeExecution()
        self.run_scheduler(fake, names=[EDA, PREPROCESSING], built_lanes=(1, 2))
        self.assertEqual(fake.caches_seen[PREPROCESSING], ["9999"])

    def test_unbuilt_lane_keeps_own_cache(self):
        self.fill_cache(1, ["1234"])
        self.fill_cache(2, ["9999"])
        fake = FakeExecution()
        self.run_scheduler(fake, names=[EDA], built_lanes=(1,))
        self.assertEqual(fake.caches_seen[EDA], ["9999"])

    def test_no_built_cache_no_copy(self):
        fake = FakeExecution()
        self.run_scheduler(fake, names=[EDA], built_lanes=())
        self.assertEqual(fake.caches_seen[EDA], [])
        self.assertFalse(run_notebooks.evcxr_cache(self.base_tmpdir, 2).exists())

    def test_unbuilt_cache_not_copied(self):
        # Lane 2 is not built, so its cache may be incomplete.
        self.fill_cache(2, ["9999"])
        fake = FakeExecution()
        self.run_scheduler(fake, names=[EDA], built_lanes=())
        self.assertEqual(fake.tmpdirs[EDA], str(self.base_tmpdir))
        self.assertEqual(fake.caches_seen[EDA], [])

    def test_copies_lane_built_this_run(self):
        self.fill_cache(1, ["1234"])
        fake = FakeExecution()
        self.run_scheduler(fake, names=[EDA, PREPROCESSING], built_lanes=())
        self.assertEqual(fake.tmpdirs[EDA], str(self.base_tmpdir))
        # 01 marked lane 1 built, so 02 runs in lane 2 and starts with lane 1's cache.
        self.assertEqual(fake.tmpdirs[PREPROCESSING], f"{self.base_tmpdir}-2")
        self.assertEqual(fake.caches_seen[PREPROCESSING], ["1234"])


class ChainLengthsTest(unittest.TestCase):
    def test_model_has_longest_chain(self):
        lengths = run_notebooks.chain_lengths(NOTEBOOKS)
        for name in (EDA, PREPROCESSING, EVALUATE, PREDICT):
            with self.subTest(name=name):
                self.assertGreater(lengths[MODEL], lengths[name])

    def test_model_alone_has_length_one(self):
        self.assertEqual(run_notebooks.chain_lengths([MODEL]), {MODEL: 1})


class LaneTmpdirTest(unittest.TestCase):
    def test_lane_one_is_base(self):
        base = Path("/tmp/evcxr")
        self.assertEqual(run_notebooks.lane_tmpdir(base, 1), base)

    def test_lane_two_appends_suffix(self):
        base = Path("/tmp/evcxr")
        self.assertEqual(run_notebooks.lane_tmpdir(base, 2), Path(f"{base}-2"))

    def test_cache_is_beside_build_folder(self):
        base = Path("/tmp/evcxr")
        self.assertEqual(run_notebooks.lane_cache_home(base, 1), Path("/tmp/evcxr-cache"))
        self.assertEqual(run_notebooks.evcxr_cache(base, 2), Path("/tmp/evcxr-2-cache/evcxr"))


class KernelEnvironmentTest(unittest.TestCase):
    def setUp(self):
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.base = Path(temp.name) / "evcxr"

    def test_huge_pages_off_by_default(self):
        with mock.patch.dict(run_notebooks.os.environ, clear=False) as environ:
            environ.pop("MIMALLOC_ALLOW_THP", None)
            env = run_notebooks.kernel_environment(self.base, 1)
        self.assertEqual(env["MIMALLOC_ALLOW_THP"], "0")

    def test_user_setting_kept(self):
        with mock.patch.dict(run_notebooks.os.environ, {"MIMALLOC_ALLOW_THP": "1"}):
            env = run_notebooks.kernel_environment(self.base, 1)
        self.assertEqual(env["MIMALLOC_ALLOW_THP"], "1")

    def test_lane_folders_override_environment(self):
        with mock.patch.dict(run_notebooks.os.environ, {"EVCXR_TMPDIR": "/elsewhere", "XDG_CACHE_HOME": "/cache"}):
            env = run_notebooks.kernel_environment(self.base, 2)
        self.assertEqual(env["EVCXR_TMPDIR"], f"{self.base}-2")
        self.assertEqual(env["XDG_CACHE_HOME"], f"{self.base}-2-cache")
        self.assertTrue(Path(env["XDG_CACHE_HOME"]).is_dir())


# Run as another process: locks a build folder, prints "locked", and releases the lock
# after the given number of seconds.
OTHER_RUN = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import rust_kernel
lock = rust_kernel.lock_folder(Path(sys.argv[2]))
print("locked", flush=True)
time.sleep(float(sys.argv[3]))
"""


class HoldBuildFoldersTest(unittest.TestCase):
    def setUp(self):
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.base = Path(temp.name) / "evcxr"

    def test_locks_every_lane(self):
        locks = run_notebooks.hold_build_folders(self.base, 2)
        self.addCleanup(lambda: [lock.close() for lock in locks])
        self.assertEqual(len(locks), 2)
        self.assertIsNone(self.lock_elsewhere(self.base))
        self.assertIsNone(self.lock_elsewhere(Path(f"{self.base}-2")))

    def test_waits_for_other_run(self):
        scripts = REPO / "scripts"
        other = subprocess.Popen(
            [sys.executable, "-c", OTHER_RUN, str(scripts), f"{self.base}-2", "2"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(other.stdout.close)
        self.addCleanup(other.wait)
        self.assertEqual(other.stdout.readline().strip(), "locked")
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()) as output:
            locks = run_notebooks.hold_build_folders(self.base, 2)
        self.addCleanup(lambda: [lock.close() for lock in locks])
        # The other process keeps the lock for 2 s after printing "locked".
        self.assertGreater(time.monotonic() - started, 1.0)
        self.assertIn(f"waiting for another run_notebooks.py, which uses the build folder {self.base}-2", output.getvalue())

    def lock_elsewhere(self, folder):
        """Return "locked" when another process can lock `folder`, else None."""
        probe = "import sys; sys.path.insert(0, sys.argv[1]); import rust_kernel; from pathlib import Path; print('locked' if rust_kernel.lock_folder(Path(sys.argv[2])) else '')"
        output = subprocess.run(
            [sys.executable, "-c", probe, str(REPO / "scripts"), str(folder)], capture_output=True, text=True, check=True
        ).stdout.strip()
        return output or None


class PrerequisitesTest(unittest.TestCase):
    def test_prerequisites_name_existing_notebooks(self):
        names = set(run_notebooks.PREREQUISITES)
        for prerequisites in run_notebooks.PREREQUISITES.values():
            names.update(prerequisites)
        for name in sorted(names):
            with self.subTest(name=name):
                self.assertTrue((REPO / "notebooks" / name).is_file())

    def test_dependents_wait_for_model(self):
        for name in (EVALUATE, PREDICT):
            with self.subTest(name=name):
                self.assertIn(MODEL, run_notebooks.PREREQUISITES.get(name, ()))


if __name__ == "__main__":
    unittest.main()
