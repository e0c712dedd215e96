"""Tests of scripts/rust_kernel.py, which starts every Rust kernel.

The build folders, caches and kernel specs are made in a temporary folder. The one
test that starts a process starts a short Python program in place of evcxr_jupyter.

Run with: .venv/bin/python -m unittest tests/notebooks/test_rust_kernel.py -v
"""

import fcntl
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


class HoldLabFolderTest(TemporaryFolderTest):
    def hold(self):
        lane, lock = rust_kernel.hold_lab_folder(self.temp / "evcxr-lab")
        self.addCleanup(lock.close)
        return lane

    def test_first_kernel_gets_first_folder(self):
        self.assertEqual(self.hold(), 1)

    def test_second_kernel_gets_second_folder(self):
        self.hold()
        self.assertEqual(self.hold(), 2)

    def test_folder_is_free_after_kernel_exit(self):
        lane, lock = rust_kernel.hold_lab_folder(self.temp / "evcxr-lab")
        lock.close()
        self.assertEqual(self.hold(), lane)

    def test_all_folders_held(self):
        with mock.patch.object(rust_kernel, "MAX_LAB_FOLDERS", 2):
            self.hold()
            self.hold()
            with self.assertRaises(SystemExit) as raised:
                rust_kernel.hold_lab_folder(self.temp / "evcxr-lab")
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

    def test_other_fields_kept(self):
        kernel_json = self.write_spec()
        rust_kernel.main(["--install", str(kernel_json)])
        self.assertEqual(json.loads(kernel_json.read_text())["language"], "rust")


# Run in place of evcxr_jupyter: prints its build folder, then whether that folder's
# lock is held (by this process, which inherited it).
FAKE_KERNEL = """
import fcntl, os, sys
folder = os.environ["EVCXR_TMPDIR"]
print(folder)
lock = open(os.path.join(folder, sys.argv[1]), "w")
try:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("held")
"""


class StartKernelTest(TemporaryFolderTest):
    def test_kernel_process_holds_folder(self):
        lab = self.temp / "evcxr-lab"
        # An existing cache, so nothing is copied from this clone's target/evcxr-cache.
        rust_kernel.evcxr_cache(lab, 1).mkdir(parents=True)
        environ = {**os.environ, "EVCXR_LAB_TMPDIR": str(lab)}
        environ.pop("EVCXR_TMPDIR", None)
        command = [sys.executable, str(SCRIPT), sys.executable, "-c", FAKE_KERNEL, rust_kernel.LOCK_FILE_NAME]
        output = subprocess.run(command, env=environ, capture_output=True, text=True, check=True).stdout
        self.assertEqual(output.split(), [str(lab), "held"])

    def test_lock_released_after_exit(self):
        lab = self.temp / "evcxr-lab"
        rust_kernel.evcxr_cache(lab, 1).mkdir(parents=True)
        environ = {**os.environ, "EVCXR_LAB_TMPDIR": str(lab)}
        environ.pop("EVCXR_TMPDIR", None)
        subprocess.run([sys.executable, str(SCRIPT), sys.executable, "-c", "pass"], env=environ, check=True)
        with open(lab / rust_kernel.LOCK_FILE_NAME, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


if __name__ == "__main__":
    unittest.main()
