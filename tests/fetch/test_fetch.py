"""Tests of scripts/fetch-fashion-mnist.sh against a local HTTP server.

Each test starts a server on 127.0.0.1, on a free port the system chooses. The server
sends four small gzip-compressed IDX files and broken variants of them. The script gets
the server's URL in FASHION_MNIST_BASE_URL and the digests of the small files in
FASHION_MNIST_TEST_CHECKSUMS. It skips the apt-get path and downloads into a temporary
folder, so no request leaves the machine.

Run with: python3 -m unittest discover -s tests/fetch -v
"""

import gzip
import hashlib
import http.server
import os
import socketserver
import struct
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "fetch-fashion-mnist.sh"
FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]
# Seconds the script waits without data before a request times out, in the timeout test.
TIMEOUT_SECONDS = 2


def idx_images(count: int) -> bytes:
    header = struct.pack(">IIII", 0x00000803, count, 28, 28)
    return header + bytes(i % 256 for i in range(count * 28 * 28))


def idx_labels(labels: list) -> bytes:
    return struct.pack(">II", 0x00000801, len(labels)) + bytes(labels)


# Decompressed content of the four fixture files: 3 training and 2 test items.
CONTENT = {
    FILES[0]: idx_images(3),
    FILES[1]: idx_labels([9, 0, 3]),
    FILES[2]: idx_images(2),
    FILES[3]: idx_labels([1, 2]),
}


class Handler(http.server.BaseHTTPRequestHandler):
    """Serve /<case>/<file>. Case `ok` sends the fixtures. Each other case applies one
    kind of failure to the training images only, so that each test gets one failure."""

    def log_message(self, format, *args):  # noqa: A002 (name fixed by the base class)
        pass

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (name fixed by the base class)
        server = self.server
        with server.lock:
            server.requests.append(self.path)
        _, case, name = self.path.split("/", 2)
        if name not in CONTENT:
            self.send_body(404, b"not found", "text/plain")
            return
        body = gzip.compress(CONTENT[name])
        broken = name == FILES[0]
        if case == "ok" or not broken:
            self.send_body(200, body, "application/gzip")
        elif case == "missing":
            self.send_body(404, b"<html><body>404 Not Found</body></html>", "text/html")
        elif case == "html":
            page = b"<!DOCTYPE html><html><head><title>Sign in</title></head></html>"
            self.send_body(200, page, "text/html")
        elif case == "corrupt":
            # Valid gzip of different content, so only the digest check catches it.
            self.send_body(200, gzip.compress(CONTENT[name][:-1] + b"\x01"), "application/gzip")
        elif case == "flaky":
            with server.lock:
                server.failures += 1
                fail = server.failures <= 2
            if fail:
                self.send_body(503, b"busy", "text/plain")
            else:
                self.send_body(200, body, "application/gzip")
        elif case == "unavailable":
            self.send_body(503, b"busy", "text/plain")
        elif case == "stall":
            # Headers, then silence until the client gives up.
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(TIMEOUT_SECONDS * 5)
        elif case == "cut":
            # Promise the whole body, send half, close the connection.
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_body(404, b"unknown case", "text/plain")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests = []
        self.failures = 0


class FetchTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.temp = Path(temp.name)
        self.data_dir = self.temp / "download"
        self.checksums = self.temp / "checksums.txt"
        self.checksums.write_text(
            "".join(f"{hashlib.sha256(CONTENT[name]).hexdigest()}  {name}\n" for name in FILES)
        )

    def run_script(self, case: str, **overrides) -> subprocess.CompletedProcess:
        port = self.server.server_address[1]
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("FASHION_MNIST_")
        }
        env.update(
            FASHION_MNIST_BASE_URL=f"http://127.0.0.1:{port}/{case}",
            FASHION_MNIST_TEST_CHECKSUMS=str(self.checksums),
            FASHION_MNIST_SKIP_APT="1",
            FASHION_MNIST_DOWNLOAD_DIR=str(self.data_dir),
            FASHION_MNIST_SYSTEM_DIR=str(self.temp / "no-system-dir"),
            FASHION_MNIST_RETRIES="2",
            FASHION_MNIST_TIMEOUT=str(TIMEOUT_SECONDS),
            # Keep curl away from any proxy: every request goes to the local server.
            no_proxy="*",
            NO_PROXY="*",
        )
        for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(proxy, None)
        env.update(overrides)
        return subprocess.run(
            ["bash", str(SCRIPT)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def downloaded(self) -> list:
        if not self.data_dir.exists():
            return []
        return sorted(path.name for path in self.data_dir.iterdir())

    def assert_failed_with(self, result, *phrases):
        self.assertNotEqual(result.returncode, 0, result.stdout + result.stderr)
        for phrase in phrases:
            self.assertIn(phrase, result.stderr, result.stdout + result.stderr)

    def assert_no_partial_files(self):
        leftovers = [name for name in self.downloaded() if ".part" in name]
        self.assertEqual(leftovers, [])

    def test_download_verifies_and_saves_four_files(self):
        result = self.run_script("ok")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(self.downloaded(), sorted(FILES))
        for name in FILES:
            self.assertEqual(gzip.decompress((self.data_dir / name).read_bytes()), CONTENT[name])
        self.assertIn("verified the four files", result.stdout)

    def test_second_run_downloads_nothing(self):
        self.assertEqual(self.run_script("ok").returncode, 0)
        before = len(self.server.requests)
        result = self.run_script("ok")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(len(self.server.requests), before)

    def test_not_found_names_url_and_base(self):
        result = self.run_script("missing")
        self.assert_failed_with(result, "HTTP 404", f"/missing/{FILES[0]}", "FASHION_MNIST_BASE_URL")
        self.assertNotIn(FILES[0], self.downloaded())
        self.assert_no_partial_files()

    def test_not_found_is_not_retried(self):
        self.run_script("missing")
        requests = [path for path in self.server.requests if path.endswith(FILES[0])]
        self.assertEqual(len(requests), 1)

    def test_html_page_is_rejected(self):
        result = self.run_script("html")
        self.assert_failed_with(result, "HTML page", f"/html/{FILES[0]}")
        self.assertNotIn(FILES[0], self.downloaded())
        self.assert_no_partial_files()

    def test_checksum_mismatch_is_rejected(self):
        result = self.run_script("corrupt")
        expected = hashlib.sha256(CONTENT[FILES[0]]).hexdigest()
        self.assert_failed_with(result, "failed verification", "SHA-256", expected)
        self.assertNotIn(FILES[0], self.downloaded())
        self.assert_no_partial_files()

    def test_server_errors_are_retried(self):
        result = self.run_script("flaky")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        requests = [path for path in self.server.requests if path.endswith(FILES[0])]
        self.assertEqual(len(requests), 3)
        self.assertEqual(self.downloaded(), sorted(FILES))

    def test_retries_are_bounded(self):
        result = self.run_script("unavailable")
        self.assert_failed_with(result, "HTTP 503", "after 2 retries")
        requests = [path for path in self.server.requests if path.endswith(FILES[0])]
        self.assertEqual(len(requests), 3)
        self.assert_no_partial_files()

    def test_stalled_download_times_out(self):
        result = self.run_script("stall", FASHION_MNIST_RETRIES="0")
        self.assert_failed_with(result, "timed out", "FASHION_MNIST_TIMEOUT")
        self.assertNotIn(FILES[0], self.downloaded())
        self.assert_no_partial_files()

    def test_cut_connection_leaves_no_file(self):
        result = self.run_script("cut", FASHION_MNIST_RETRIES="0")
        self.assertNotEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertNotIn(FILES[0], self.downloaded())
        self.assert_no_partial_files()

    def test_refused_connection_is_explained(self):
        # A port that was free a moment ago: nothing listens there.
        with socketserver.TCPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as probe:
            port = probe.server_address[1]
        result = self.run_script(
            "ok",
            FASHION_MNIST_BASE_URL=f"http://127.0.0.1:{port}/ok",
            FASHION_MNIST_RETRIES="0",
        )
        self.assert_failed_with(result, "could not connect")

    def test_test_checksums_need_local_server(self):
        result = self.run_script("ok", FASHION_MNIST_BASE_URL="http://example.invalid/files")
        self.assert_failed_with(result, "127.0.0.1 only")
        self.assertEqual(self.server.requests, [])

    def test_damaged_local_file_is_replaced(self):
        self.assertEqual(self.run_script("ok").returncode, 0)
        target = self.data_dir / FILES[0]
        target.write_bytes(target.read_bytes()[:20])
        result = self.run_script("ok")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(gzip.decompress(target.read_bytes()), CONTENT[FILES[0]])


if __name__ == "__main__":
    unittest.main()
