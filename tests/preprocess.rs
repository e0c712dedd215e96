//! Scaling and `.npy` files.

use fashion_mnist::prelude::*;

mod common;
use common::scratch_dir;

#[test]
fn scaling_maps_bytes_onto_unit_range() {
    let images = Array3::from_shape_vec((1, 1, 3), vec![0u8, 51, 255]).unwrap();
    let scaled = scale_images(&images);
    assert_eq!(scaled.as_slice().unwrap(), &[0.0, 0.2, 1.0]);
    assert_eq!(pixel_range(&scaled), Some((0.0, 1.0)));
}

#[test]
fn check_scaled_reports_largest_value() {
    let images = Array3::from_shape_vec((1, 1, 3), vec![0.5f32, 255.0, 3.0]).unwrap();
    let err = check_scaled("x", &images).unwrap_err();
    assert!(
        matches!(err, Error::NotScaled { max, .. } if max == 255.0),
        "{err}"
    );
}

#[test]
fn check_scaled_rejects_nan() {
    let images = Array3::from_shape_vec((1, 1, 2), vec![0.5f32, f32::NAN]).unwrap();
    assert!(check_scaled("x", &images).is_err());
}

#[test]
fn scaled_arrays_round_trip_through_npy() {
    let dir = scratch_dir("npy_round_trip");
    let scaled = Scaled {
        train_images: Array3::from_elem((3, 28, 28), 0.25f32),
        train_labels: Array1::from(vec![1u8, 2, 3]),
        test_images: Array3::from_elem((2, 28, 28), 1.0f32),
        test_labels: Array1::from(vec![9u8, 0]),
    };
    save_scaled(&scaled, &dir).unwrap();
    let loaded = load_scaled(&dir).unwrap();
    assert_eq!(loaded.train_images, scaled.train_images);
    assert_eq!(loaded.train_labels, scaled.train_labels);
    assert_eq!(loaded.test_images, scaled.test_images);
    assert_eq!(loaded.test_labels, scaled.test_labels);
}

#[test]
fn corrupt_npy_names_the_file() {
    let dir = scratch_dir("npy_corrupt");
    let path = dir.join("broken.npy");
    std::fs::write(&path, b"not an npy file").unwrap();
    let err = load_npy::<f32, ndarray::Ix3>(&path).unwrap_err();
    assert!(matches!(err, Error::ReadNpy { .. }), "{err}");
    assert!(err.to_string().contains("broken.npy"));
}

#[test]
fn load_scaled_rejects_unscaled_file() {
    let dir = scratch_dir("npy_unscaled");
    let scaled = Scaled {
        train_images: Array3::from_elem((3, 28, 28), 0.25f32),
        train_labels: Array1::from(vec![1u8, 2, 3]),
        test_images: Array3::from_elem((2, 28, 28), 255.0f32),
        test_labels: Array1::from(vec![9u8, 0]),
    };
    save_scaled(&scaled, &dir).unwrap();
    let err = load_scaled(&dir).unwrap_err();
    assert!(
        matches!(err, Error::NotScaled { max, .. } if max == 255.0),
        "{err}"
    );
}

#[test]
fn load_scaled_rejects_other_image_size() {
    let dir = scratch_dir("npy_size");
    let scaled = Scaled {
        train_images: Array3::from_elem((3, 32, 32), 0.25f32),
        train_labels: Array1::from(vec![1u8, 2, 3]),
        test_images: Array3::from_elem((2, 28, 28), 0.5f32),
        test_labels: Array1::from(vec![9u8, 0]),
    };
    save_scaled(&scaled, &dir).unwrap();
    let err = load_scaled(&dir).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("(3, 32, 32)"), "{err}");
}

#[test]
fn load_scaled_rejects_missing_labels() {
    let dir = scratch_dir("npy_missing");
    let scaled = Scaled {
        train_images: Array3::from_elem((3, 28, 28), 0.25f32),
        train_labels: Array1::from(vec![1u8, 2, 3]),
        test_images: Array3::from_elem((2, 28, 28), 0.5f32),
        test_labels: Array1::from(vec![9u8, 0]),
    };
    let paths = save_scaled(&scaled, &dir).unwrap();
    std::fs::remove_file(&paths[3]).unwrap();
    let err = load_scaled(&dir).unwrap_err();
    assert!(
        matches!(err, Error::ReadNpy { .. } | Error::Io { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("test_labels.npy"), "{err}");
}
