"""Tests of scripts/rust_kernel.py, which starts every Rust kernel.

The build folders, caches and kernel specs are made in a temporary folder. Some tests
start short Python programs in place of evcxr_jupyter or of another kernel.

Run with: .venv/bin/python -m unittest tests/notebooks/test_rust_kernel.py -v
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "rust_kernel.py"
sys.path.insert(0, str(SCRIPT.parent))
import rust_kernel  # noqa: E402 (imported from the folder added above)


def make_entry(cache, name, hits="3", complete=True):
    """Create a cache entry like evcxr's: a compiled file, "hits", and "stderr" when complete."""
    entry = cache / name
    entry.mkdir(parents=True)
    (entry / "libfoo.rlib").write_bytes(b"compiled")
    (entry / "hits").write_text(hits)
    if complete:
        (entry / "stderr").write_text('{"artifact":"libfoo.rlib"}\n')
    return entry


class TemporaryFolderTest(unittest.TestCase):
    def setUp(self):
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.temp = Path(temp.name)


class CopyCacheTest(TemporaryFolderTest):
    def test_vanished_entry_left_out(self):
        make_entry(self.temp / "source", "111")
        make_entry(self.temp / "source", "222")
        copytree = rust_kernel.shutil.copytree

        def copy_or_vanish(source, target):
            if Path(source).name == "222":
                raise FileNotFoundError(2, "No such file or directory", str(source))
            return copytree(source, target)

        with mock.patch.object(rust_kernel.shutil, "copytree", copy_or_vanish):
            rust_kernel.copy_cache(self.temp / "source", self.temp / "target")
        self.assertEqual(sorted(p.name for p in (self.temp / "target").iterdir()), ["111"])

    def test_copies_complete_entries(self):
        make_entry(self.temp / "source", "111")
        rust_kernel.copy_cache(self.temp / "source", self.temp / "target")
        copied = self.temp / "target" / "111"
        self.assertEqual((copied / "libfoo.rlib").read_bytes(), b"compiled")
        self.assertEqual((copied / "hits").read_text(), "3")

    def test_skips_entry_without_stderr(self):
        make_entry(self.temp / "source", "111")
        make_entry(self.temp / "source", "222", complete=False)
        rust_kernel.copy_cache(self.temp / "source", self.temp / "target")
        self.assertEqual(sorted(p.name for p in (self.temp / "target").iterdir()), ["111"])

    def test_empty_hits_becomes_zero(self):
        make_entry(self.temp / "source", "111", hits="")
        rust_kernel.copy_cache(self.temp / "source", self.temp / "target")
        self.assertEqual((self.temp / "target" / "111" / "hits").read_text(), "0")

    def test_leaves_no_partial_folder(self):
        make_entry(self.temp / "source", "111")
        rust_kernel.copy_cache(self.temp / "source", self.temp / "target")
        self.assertEqual(sorted(p.name for p in self.temp.iterdir()), ["source", "target"])


# Run as another process: locks a lab build folder until its standard input closes.
HOLDER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import rust_kernel
lane, lock = rust_kernel.hold_lab_folder(Path(sys.argv[2]))
print(lane, flush=True)
sys.stdin.read()
"""


class HoldLabFolderTest(TemporaryFolderTest):
    def setUp(self):
        super().setUp()
        self.lab = self.temp / "evcxr-lab"

    def hold_elsewhere(self):
        """Hold a lab folder from another process, as another kernel does; return (lane, process)."""
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(SCRIPT.parent), str(self.lab)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.stdout.close)
        self.addCleanup(process.wait)
        self.addCleanup(process.stdin.close)
        return int(process.stdout.readline()), process

    def hold(self):
        lane, lock = rust_kernel.hold_lab_folder(self.lab)
        self.addCleanup(lock.close)
        return lane

    def test_first_kernel_gets_first_folder(self):
        self.assertEqual(self.hold(), 1)

    def test_second_kernel_gets_second_folder(self):
        self.hold_elsewhere()
        self.assertEqual(self.hold(), 2)

    def test_folder_is_free_after_kernel_exit(self):
        lane, process = self.hold_elsewhere()
        process.stdin.close()
        process.wait()
        self.assertEqual(self.hold(), lane)

    def test_all_folders_held(self):
        self.hold_elsewhere()
        self.hold_elsewhere()
        with mock.patch.object(rust_kernel, "MAX_LAB_FOLDERS", 2):
            with self.assertRaises(SystemExit) as raised:
                rust_kernel.hold_lab_folder(self.lab)
        self.assertIn("in use by running kernels", str(raised.exception))


class LabEnvironmentTest(TemporaryFolderTest):
    def setUp(self):
        super().setUp()
        self.run_folder = self.temp / "evcxr"
        patcher = mock.patch.object(rust_kernel, "RUN_BUILD_FOLDER", self.run_folder)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.lab = self.temp / "evcxr-lab"

    def environment(self, **variables):
        environ, lock = rust_kernel.lab_environment({"EVCXR_LAB_TMPDIR": str(self.lab), **variables})
        if lock is not None:
            self.addCleanup(lock.close)
        return environ, lock

    def test_lab_kernel_gets_folder_and_cache(self):
        environ, lock = self.environment()
        self.assertIsNotNone(lock)
        self.assertEqual(environ["EVCXR_TMPDIR"], str(self.lab))
        self.assertEqual(environ["XDG_CACHE_HOME"], f"{self.lab}-cache")

    def test_huge_pages_off(self):
        environ, _ = self.environment()
        self.assertEqual(environ["MIMALLOC_ALLOW_THP"], "0")

    def test_user_huge_page_setting_kept(self):
        environ, _ = self.environment(MIMALLOC_ALLOW_THP="1")
        self.assertEqual(environ["MIMALLOC_ALLOW_THP"], "1")

    def test_new_cache_copies_run_cache(self):
        make_entry(rust_kernel.evcxr_cache(self.run_folder, 1), "111")
        self.environment()
        self.assertTrue((rust_kernel.evcxr_cache(self.lab, 1) / "111" / "stderr").is_file())

    def test_new_cache_copies_largest_cache(self):
        make_entry(rust_kernel.evcxr_cache(self.run_folder, 1), "111")
        other_lab = rust_kernel.evcxr_cache(self.lab, 3)
        make_entry(other_lab, "111")
        make_entry(other_lab, "222")
        self.environment()
        self.assertEqual(sorted(p.name for p in rust_kernel.evcxr_cache(self.lab, 1).iterdir()), ["111", "222"])

    def test_existing_cache_kept(self):
        make_entry(rust_kernel.evcxr_cache(self.run_folder, 1), "111")
        make_entry(rust_kernel.evcxr_cache(self.lab, 1), "999")
        self.environment()
        self.assertEqual(sorted(p.name for p in rust_kernel.evcxr_cache(self.lab, 1).iterdir()), ["999"])

    def test_no_run_cache_no_copy(self):
        self.environment()
        self.assertFalse(rust_kernel.evcxr_cache(self.lab, 1).exists())

    def test_set_build_folder_unchanged(self):
        environ, lock = self.environment(EVCXR_TMPDIR="/elsewhere", XDG_CACHE_HOME="/cache")
        self.assertIsNone(lock)
        self.assertEqual(environ["EVCXR_TMPDIR"], "/elsewhere")
        self.assertEqual(environ["XDG_CACHE_HOME"], "/cache")
        self.assertFalse(self.lab.exists())


class InstallTest(TemporaryFolderTest):
    def write_spec(self):
        kernel_json = self.temp / "kernel.json"
        spec = {"argv": ["/bin/evcxr_jupyter", "--control_file", "{connection_file}"], "language": "rust"}
        kernel_json.write_text(json.dumps(spec))
        return kernel_json

    def test_argv_starts_script(self):
        kernel_json = self.write_spec()
        rust_kernel.main(["--install", str(kernel_json)])
        argv = json.loads(kernel_json.read_text())["argv"]
        self.assertEqual(argv, [sys.executable, str(SCRIPT), "/bin/evcxr_jupyter", "--control_file", "{connection_file}"])

    def test_second_install_changes_nothing(self):
        kernel_json = self.write_spec()
        rust_kernel.main(["--install", str(kernel_json)])
        first = kernel_json.read_text()
        rust_kernel.main(["--install", str(kernel_json)])
        self.assertEqual(kernel_json.read_text(), first)

    def test_wrapper_from_other_clone_replaced(self):
        kernel_json = self.temp / "kernel.json"
        old_argv = ["/old/.venv/bin/python", "/old/scripts/rust_kernel.py", "/bin/evcxr_jupyter", "--control_file", "{connection_file}"]
        kernel_json.write_text(json.dumps({"argv": old_argv}))
        rust_kernel.main(["--install", str(kernel_json)])
        argv = json.loads(kernel_json.read_text())["argv"]
        self.assertEqual(argv, [sys.executable, str(SCRIPT), "/bin/evcxr_jupyter", "--control_file", "{connection_file}"])

    def test_spec_without_argv(self):
        kernel_json = self.temp / "kernel.json"
        kernel_json.write_text(json.dumps({"language": "rust"}))
        with self.assertRaises(SystemExit) as raised:
            rust_kernel.main(["--install", str(kernel_json)])
        self.assertIn("has no argv list", str(raised.exception))

    def test_missing_spec(self):
        with contextlib.redirect_stderr(io.StringIO()) as stderr:
            status = rust_kernel.main(["--install", str(self.temp / "missing.json")])
        self.assertEqual(status, 1)
        self.assertIn("missing.json", stderr.getvalue())

    def test_other_fields_kept(self):
        kernel_json = self.write_spec()
        rust_kernel.main(["--install", str(kernel_json)])
        self.assertEqual(json.loads(kernel_json.read_text())["language"], "rust")


# Run in place of evcxr_jupyter: prints its build folder, then whether another process
# finds that folder's lock held.
FAKE_KERNEL = """
import os, subprocess, sys
folder = os.environ["EVCXR_TMPDIR"]
print(folder, flush=True)
probe = "import fcntl, sys; f = open(sys.argv[1], 'a')\\ntry:\\n fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\\nexcept OSError: print('held')"
subprocess.run([sys.executable, "-c", probe, os.path.join(folder, sys.argv[1])], check=True)
"""

# Run in place of evcxr_jupyter: starts a process that outlives it, then exits.
FAKE_KERNEL_WITH_CHILD = """
import subprocess, sys
subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(5)"],
    stdin=subprocess.DEVNULL,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    start_new_session=True,
)
"""


class StartKernelTest(TemporaryFolderTest):
    def setUp(self):
        super().setUp()
        self.lab = self.temp / "evcxr-lab"
        # An existing cache, so nothing is copied from this clone's target/evcxr-cache.
        rust_kernel.evcxr_cache(self.lab, 1).mkdir(parents=True)
        self.environ = {**os.environ, "EVCXR_LAB_TMPDIR": str(self.lab)}
        self.environ.pop("EVCXR_TMPDIR", None)

    def start(self, *kernel):
        command = [sys.executable, str(SCRIPT), *kernel]
        return subprocess.run(command, env=self.environ, capture_output=True, text=True, check=False)

    def test_kernel_process_holds_folder(self):
        finished = self.start(sys.executable, "-c", FAKE_KERNEL, rust_kernel.LOCK_FILE_NAME)
        self.assertEqual(finished.returncode, 0, finished.stderr)
        self.assertEqual(finished.stdout.split(), [str(self.lab), "held"])

    def test_lock_ends_with_kernel(self):
        finished = self.start(sys.executable, "-c", FAKE_KERNEL_WITH_CHILD)
        self.assertEqual(finished.returncode, 0, finished.stderr)
        lane, lock = rust_kernel.hold_lab_folder(self.lab)
        self.addCleanup(lock.close)
        self.assertEqual(lane, 1)

    def test_missing_kernel_program(self):
        finished = self.start(str(self.temp / "no-such-evcxr_jupyter"), "--control_file", "x.json")
        self.assertEqual(finished.returncode, 1)
        self.assertIn("no-such-evcxr_jupyter not found", finished.stderr)
        self.assertIn("make setup", finished.stderr)


if __name__ == "__main__":
    unittest.main()
