//! `.npy` and `.npz` files written by numpy: the fixtures under `tests/fixtures/npy/`
//! come from `scripts/make_npy_fixtures.py` (numpy 2.4.6).
//!
//! In the fixtures, image element `(i, r, c)` is `100*i + 10*r + c` as `uint8` (shape
//! `(2, 3, 4)`), scaled images are that value divided by 255 in `float32`, and labels are
//! `[9, 0, 0, 3, 1]`.

use std::path::{Path, PathBuf};

use fashion_mnist::preprocess::{
    load_dataset_npz, load_npy, load_npz, npz_names, save_dataset_npz, save_npy, NPZ_NAMES,
};
use fashion_mnist::Error;
use ndarray::{Array1, Array3, Ix1, Ix3};

mod common;
use common::{file_names, scratch_dir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/npy")
        .join(name)
}

fn expected_images() -> Array3<u8> {
    Array3::from_shape_fn((2, 3, 4), |(i, r, c)| (100 * i + 10 * r + c) as u8)
}

fn expected_scaled() -> Array3<f32> {
    expected_images().mapv(|pixel| f32::from(pixel) / 255.0)
}

const LABELS: [u8; 5] = [9, 0, 0, 3, 1];

#[test]
fn uint8_images_read_exactly() {
    let images: Array3<u8> = load_npy(fixture("images_u8.npy")).unwrap();
    assert_eq!(images, expected_images());
    assert!(images.is_standard_layout());
}

#[test]
fn float32_images_read_exactly() {
    let images: Array3<f32> = load_npy(fixture("images_f32.npy")).unwrap();
    // numpy divides in float32, as `f32::from(pixel) / 255.0` does, so values match bit for bit.
    assert_eq!(images, expected_scaled());
}

#[test]
fn fortran_order_matches_c_order() {
    let c_order: Array3<u8> = load_npy(fixture("images_u8.npy")).unwrap();
    let fortran: Array3<u8> = load_npy(fixture("images_u8_fortran.npy")).unwrap();
    assert_eq!(fortran.shape(), c_order.shape());
    for (index, value) in c_order.indexed_iter() {
        assert_eq!(fortran[index], *value, "element {index:?}");
    }
    assert!(fortran.is_standard_layout());
    assert_eq!(fortran.as_slice(), c_order.as_slice());

    let scaled_fortran: Array3<f32> = load_npy(fixture("images_f32_fortran.npy")).unwrap();
    assert_eq!(scaled_fortran, expected_scaled());
    assert!(scaled_fortran.is_standard_layout());
}

#[test]
fn big_endian_data_reads() {
    let images: Array3<f32> = load_npy(fixture("images_f32_big_endian.npy")).unwrap();
    assert_eq!(images, expected_scaled());
    let labels: Array1<u8> = load_npy(fixture("labels_i64_big_endian.npy")).unwrap();
    assert_eq!(labels.to_vec(), LABELS);
}

#[test]
fn float64_images_become_float32() {
    let images: Array3<f32> = load_npy(fixture("images_f64.npy")).unwrap();
    for (found, expected) in images.iter().zip(expected_scaled().iter()) {
        assert!((found - expected).abs() <= 1e-7, "{found} vs {expected}");
    }
}

#[test]
fn int64_labels_convert_to_u8() {
    let labels: Array1<u8> = load_npy(fixture("labels_i64.npy")).unwrap();
    assert_eq!(labels.to_vec(), LABELS);
}

#[test]
fn uint8_labels_read_as_u8_and_i64() {
    let labels: Array1<u8> = load_npy(fixture("labels_u8.npy")).unwrap();
    assert_eq!(labels.to_vec(), LABELS);
    let wide: Array1<i64> = load_npy(fixture("labels_u8.npy")).unwrap();
    assert_eq!(wide.to_vec(), vec![9i64, 0, 0, 3, 1]);
}

#[test]
fn label_above_255_is_rejected() {
    let path = fixture("labels_i64_too_large.npy");
    let err = load_npy::<u8, Ix1>(&path).unwrap_err();
    match &err {
        Error::NpyValueOutOfRange {
            path: found_path,
            index,
            value,
            found,
            expected,
        } => {
            assert_eq!(found_path, &path);
            assert_eq!(*index, 1);
            assert_eq!(value, "300");
            assert_eq!(found, "int64");
            assert_eq!(*expected, "uint8");
        }
        other => panic!("expected NpyValueOutOfRange, got {other}"),
    }
    assert!(
        err.to_string().contains("labels_i64_too_large.npy"),
        "{err}"
    );
}

#[test]
fn negative_label_is_rejected() {
    let err = load_npy::<u8, Ix1>(fixture("labels_i32_negative.npy")).unwrap_err();
    assert!(
        matches!(&err, Error::NpyValueOutOfRange { index: 1, value, found, .. } if value == "-1" && found == "int32"),
        "{err}"
    );
}

#[test]
fn float_labels_are_rejected_with_dtype() {
    let path = fixture("labels_f32.npy");
    let err = load_npy::<u8, Ix1>(&path).unwrap_err();
    assert!(
        matches!(&err, Error::NpyDtype { found, expected: "uint8", .. } if found == "float32"),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("labels_f32.npy"), "{message}");
    assert!(message.contains("float32"), "{message}");
    assert!(message.contains("uint8"), "{message}");
}

#[test]
fn integer_images_are_not_scaled_floats() {
    let err = load_npy::<f32, Ix3>(fixture("images_u8.npy")).unwrap_err();
    assert!(
        matches!(&err, Error::NpyDtype { found, expected: "float32", .. } if found == "uint8"),
        "{err}"
    );
}

#[test]
fn complex_dtype_is_rejected() {
    let err = load_npy::<f32, Ix3>(fixture("images_complex.npy")).unwrap_err();
    assert!(
        matches!(&err, Error::NpyDtype { found, .. } if found.contains("c8")),
        "{err}"
    );
}

#[test]
fn wrong_dimension_count_is_rejected() {
    let err = load_npy::<u8, Ix3>(fixture("labels_u8.npy")).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("(5,)"), "{err}");
}

#[test]
fn npz_members_found_by_bare_name() {
    for file in ["dataset.npz", "dataset_compressed.npz"] {
        let path = fixture(file);
        let mut names = npz_names(&path).unwrap();
        names.sort();
        assert_eq!(
            names,
            vec!["x_test", "x_train", "y_test", "y_train"],
            "{file}"
        );
        let images: Array3<u8> = load_npz(&path, "x_train").unwrap();
        assert_eq!(images, expected_images(), "{file}");
        let labels: Array1<u8> = load_npz(&path, "y_train").unwrap();
        assert_eq!(labels.to_vec(), vec![9, 0], "{file}");
        let with_suffix: Array1<u8> = load_npz(&path, "y_test.npy").unwrap();
        assert_eq!(with_suffix.to_vec(), vec![9], "{file}");
    }
}

#[test]
fn missing_npz_member_lists_names() {
    let err = load_npz::<u8, Ix3>(fixture("dataset.npz"), "train_images").unwrap_err();
    match &err {
        Error::NpzMemberNotFound {
            name, available, ..
        } => {
            assert_eq!(name, "train_images");
            assert!(available.contains(&"x_train".to_string()), "{available:?}");
        }
        other => panic!("expected NpzMemberNotFound, got {other}"),
    }
    assert!(err.to_string().contains("x_train"), "{err}");
}

#[test]
fn npy_file_is_not_an_npz() {
    let err = load_npz::<u8, Ix3>(fixture("images_u8.npy"), "x_train").unwrap_err();
    assert!(matches!(err, Error::ReadNpz { .. }), "{err}");
}

#[test]
fn dataset_npz_loads_with_class_names() {
    let names: Vec<String> = (0..10).map(|digit| digit.to_string()).collect();
    let dataset = load_dataset_npz(fixture("dataset.npz"), &names).unwrap();
    assert_eq!(dataset.train_images, expected_images());
    assert_eq!(dataset.train_labels.to_vec(), vec![9, 0]);
    assert_eq!(dataset.test_images.shape(), &[1, 3, 4]);
    assert_eq!(dataset.test_labels.to_vec(), vec![9]);
}

#[test]
fn dataset_npz_rejects_labels_beyond_classes() {
    let names: Vec<String> = ["a", "b"].iter().map(|name| name.to_string()).collect();
    let err = load_dataset_npz(fixture("dataset.npz"), &names).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                index: 0,
                value: 9,
                max: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn dataset_npz_round_trips() {
    let dir = scratch_dir("npz_round_trip");
    let names: Vec<String> = (0..10).map(|digit| digit.to_string()).collect();
    let dataset = load_dataset_npz(fixture("dataset_compressed.npz"), &names).unwrap();
    let path = dir.join("copy.npz");
    save_dataset_npz(&dataset, &path).unwrap();
    let mut members = npz_names(&path).unwrap();
    members.sort();
    let mut expected: Vec<&str> = NPZ_NAMES.to_vec();
    expected.sort();
    assert_eq!(members, expected);
    let copy = load_dataset_npz(&path, &names).unwrap();
    assert_eq!(copy.train_images, dataset.train_images);
    assert_eq!(copy.train_labels, dataset.train_labels);
    assert_eq!(copy.test_images, dataset.test_images);
    assert_eq!(copy.test_labels, dataset.test_labels);
}

#[test]
fn save_npy_leaves_no_part_file() {
    let dir = scratch_dir("npy_save");
    let images = expected_images();
    let scaled = expected_scaled();
    let labels = Array1::from(LABELS.to_vec());
    save_npy(dir.join("images.npy"), &images).unwrap();
    save_npy(dir.join("scaled.npy"), &scaled).unwrap();
    save_npy(dir.join("labels.npy"), &labels).unwrap();
    assert_eq!(load_npy::<u8, Ix3>(dir.join("images.npy")).unwrap(), images);
    assert_eq!(
        load_npy::<f32, Ix3>(dir.join("scaled.npy")).unwrap(),
        scaled
    );
    assert_eq!(load_npy::<u8, Ix1>(dir.join("labels.npy")).unwrap(), labels);
    assert_eq!(
        file_names(&dir),
        vec!["images.npy", "labels.npy", "scaled.npy"]
    );
}

#[test]
fn concurrent_saves_leave_one_whole_file() {
    let dir = scratch_dir("npy_concurrent");
    let path = dir.join("scaled.npy");
    let scaled = expected_scaled();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..5 {
                    save_npy(&path, &scaled).unwrap();
                }
            });
        }
    });
    assert_eq!(load_npy::<f32, Ix3>(&path).unwrap(), scaled);
    assert_eq!(file_names(&dir), vec!["scaled.npy"]);
}

#[test]
fn saved_file_matches_numpy_bytes() {
    // numpy writes the same header and data for a little-endian C-order uint8 array.
    let dir = scratch_dir("npy_bytes");
    save_npy(dir.join("images.npy"), &expected_images()).unwrap();
    let ours = std::fs::read(dir.join("images.npy")).unwrap();
    let numpy = std::fs::read(fixture("images_u8.npy")).unwrap();
    assert_eq!(ours[ours.len() - 24..], numpy[numpy.len() - 24..]);
}

#[test]
fn truncated_npy_is_rejected() {
    let dir = scratch_dir("npy_truncated");
    let mut bytes = std::fs::read(fixture("images_f32.npy")).unwrap();
    bytes.truncate(bytes.len() - 10);
    let path = dir.join("cut.npy");
    std::fs::write(&path, &bytes).unwrap();
    let err = load_npy::<f32, Ix3>(&path).unwrap_err();
    assert!(matches!(err, Error::ReadNpy { .. }), "{err}");
    assert!(err.to_string().contains("cut.npy"), "{err}");
}

#[test]
fn npy_with_extra_bytes_is_rejected() {
    let dir = scratch_dir("npy_extra");
    let mut bytes = std::fs::read(fixture("images_u8.npy")).unwrap();
    bytes.extend_from_slice(&[0, 0, 0]);
    let path = dir.join("long.npy");
    std::fs::write(&path, &bytes).unwrap();
    let err = load_npy::<u8, Ix3>(&path).unwrap_err();
    assert!(matches!(err, Error::ReadNpy { .. }), "{err}");
}

/// A version 1.0 `.npy` file with the header dictionary `dict` and the data `data`,
/// padded as numpy pads it: magic, version and header together a multiple of 64 bytes.
fn npy_file(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.as_bytes().to_vec();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend_from_slice(&(header.len() as u16).to_le_bytes());
    file.extend_from_slice(&header);
    file.extend_from_slice(data);
    file
}

#[test]
fn npy_header_promising_huge_array_is_rejected() {
    // A header that claims 10^12 elements over 24 bytes of data must fail without
    // allocating the claimed size, on the fast path (uint8) and the general one (int64).
    let dir = scratch_dir("npy_huge");
    for descriptor in ["|u1", "<i8"] {
        let dict = format!(
            "{{'descr': '{descriptor}', 'fortran_order': False, 'shape': (1000000, 1000000), }}"
        );
        let path = dir.join("huge.npy");
        std::fs::write(&path, npy_file(&dict, &[1; 24])).unwrap();
        let err = load_npy::<u8, ndarray::Ix2>(&path).unwrap_err();
        assert!(matches!(err, Error::ReadNpy { .. }), "{descriptor}: {err}");
    }
}

#[test]
fn handmade_npy_matches_fixture() {
    let dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }";
    let data: Vec<u8> = expected_images().iter().copied().collect();
    assert_eq!(
        npy_file(dict, &data),
        std::fs::read(fixture("images_u8.npy")).unwrap()
    );
}
