#!/usr/bin/env python3
"""Write the small .npy and .npz files under tests/fixtures/npy/ that tests/npy.rs reads.

Each file is written by numpy itself, so the tests check this crate against what numpy
produces: dtypes other than the crate's own, Fortran order, big-endian data and .npz
archives. Run with any Python that has numpy:

    python3 -m venv /tmp/npvenv && /tmp/npvenv/bin/pip install numpy
    /tmp/npvenv/bin/python scripts/make_npy_fixtures.py
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "npy"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    # Element (i, r, c) is 100*i + 10*r + c, so every value is distinct and readable.
    images = (100 * np.arange(2)[:, None, None] + 10 * np.arange(3)[None, :, None] + np.arange(4)).astype(np.uint8)
    scaled = images.astype(np.float32) / np.float32(255)
    labels = np.array([9, 0, 0, 3, 1])

    arrays = {
        "images_u8.npy": images,
        "images_u8_fortran.npy": np.asfortranarray(images),
        "images_f32.npy": scaled,
        "images_f32_fortran.npy": np.asfortranarray(scaled),
        "images_f32_big_endian.npy": scaled.astype(">f4"),
        "images_f64.npy": images.astype(np.float64) / 255.0,
        "images_complex.npy": scaled.astype(np.complex64),
        "labels_i64.npy": labels.astype(np.int64),
        "labels_u8.npy": labels.astype(np.uint8),
        "labels_i64_big_endian.npy": labels.astype(">i8"),
        "labels_i64_too_large.npy": np.array([0, 300, 5], dtype=np.int64),
        "labels_i32_negative.npy": np.array([1, -1], dtype=np.int32),
        "labels_f32.npy": labels.astype(np.float32),
    }
    for name, array in arrays.items():
        np.save(OUT / name, array)

    members = {
        "x_train": images,
        "y_train": labels[:2].astype(np.int64),
        "x_test": images[:1],
        "y_test": labels[:1].astype(np.uint8),
    }
    np.savez(OUT / "dataset.npz", **members)
    np.savez_compressed(OUT / "dataset_compressed.npz", **members)

    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
